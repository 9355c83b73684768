//! The one font charts are drawn with: DejaVu Sans, bundled (see
//! `fonts/LICENSE-DejaVu.txt`), registered with plotters as `sans-serif` before the first
//! chart. Text widths are measured with it for SVG too, so labels get the room they need; in
//! a PNG, [`super::raster`] draws the glyphs with it.

use ab_glyph::FontRef;
use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

/// The family name charts ask for; an SVG names it, a PNG is drawn with the bundled font.
pub const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// The bundled font, parsed once.
pub fn face() -> Result<&'static FontRef<'static>, super::PlotError> {
    static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).ok())
        .as_ref()
        .ok_or_else(|| super::PlotError::Draw("the bundled font does not load".into()))
}

/// Registers the bundled font with plotters (once).
pub fn ensure() -> Result<(), super::PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    face()?;
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(super::PlotError::Draw("the bundled font does not load".into()))
    }
}
