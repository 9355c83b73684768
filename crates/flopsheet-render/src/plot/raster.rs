//! The PNG backend: plotters' bitmap backend for every shape, and text drawn here, glyph by
//! glyph, from the bundled font. plotters' own ab_glyph text drawing places each glyph at the
//! pen position without its side bearing, so letters overlap or drift apart (`tpu _v4`); this
//! lays them out as a text renderer does (advance, kerning, bearing, one baseline).

use super::font;
use ab_glyph::{point, Font, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

/// A [`BitMapBackend`] that draws its own text.
pub struct Raster<'a>(pub BitMapBackend<'a>);

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), Error<'a>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Error<'a>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// `text` anchored at `pos` as plotters measures it (the advance width by the height
    /// `size / 1.24`), the glyphs centred in that box.
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let face = font::face().map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let scale = PxScale::from(style.size() as f32);
        let scaled = face.as_scaled(scale);
        let ids: Vec<_> = text.chars().map(|c| scaled.glyph_id(c)).collect();
        let mut pens = Vec::with_capacity(ids.len());
        let mut pen = 0.0;
        for (i, &id) in ids.iter().enumerate() {
            if i > 0 {
                pen += scaled.kern(ids[i - 1], id);
            }
            pens.push(pen);
            pen += scaled.h_advance(id);
        }
        let (width, height) = (pen, style.size() as f32 / 1.24);
        let anchor = style.anchor();
        let left = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let top = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        // The line from ascender to descender, centred on the box.
        let baseline = top + height / 2.0 + (scaled.ascent() + scaled.descent()) / 2.0;
        let transform = style.transform();
        let mut pixels = Vec::new();
        for (id, pen) in ids.into_iter().zip(pens) {
            let glyph = id.with_scale_and_position(scale, point(left + pen, baseline));
            if let Some(outline) = face.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|x, y, coverage| {
                    let (dx, dy) = transform.transform(bounds.min.x as i32 + x as i32, bounds.min.y as i32 + y as i32);
                    pixels.push(((pos.0 + dx, pos.1 + dy), coverage.min(1.0)));
                });
            }
        }
        for (at, coverage) in pixels {
            if coverage > 0.0 {
                let alpha = color.alpha * f64::from(coverage);
                self.0.draw_pixel(at, BackendColor { alpha, rgb: color.rgb })?;
            }
        }
        Ok(())
    }
}
