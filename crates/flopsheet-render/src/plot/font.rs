//! The one font charts are drawn with: DejaVu Sans, bundled (see
//! `fonts/LICENSE-DejaVu.txt`), registered with plotters as `sans-serif` before the first
//! chart. Text widths are measured with it for SVG too, so labels get the room they need.

use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

/// The family name charts ask for; an SVG names it, a PNG is drawn with the bundled font.
pub const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// Registers the bundled font (once).
pub fn ensure() -> Result<(), super::PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(super::PlotError::Draw("the bundled font does not load".into()))
    }
}
