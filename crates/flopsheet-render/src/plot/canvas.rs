//! Drawing one chart on either backend: SVG text, or an RGB bitmap encoded as PNG. Also the
//! pieces both charts share: the palette, text fitting and the legend.

use super::axis::ValueAxis;
use super::raster::Raster;
use super::{font, ImageFormat, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A chart that can be drawn on any plotters backend.
pub trait Draw {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// The chart's file contents in `format`.
pub fn render(chart: &impl Draw, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
    font::ensure()?;
    let (w, h) = chart.size();
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                chart.draw(&root)?;
                root.present().map_err(PlotError::draw)?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            {
                let root = Raster(BitMapBackend::with_buffer(&mut rgb, (w, h))).into_drawing_area();
                chart.draw(&root)?;
                root.present().map_err(PlotError::draw)?;
            }
            encode_png(&rgb, w, h)
        }
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let encode = |e: png::EncodingError| PlotError::Encode(e.to_string());
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encode)?;
    writer.write_image_data(rgb).map_err(encode)?;
    writer.finish().map_err(encode)?;
    Ok(bytes)
}

/// Series colours (Tableau 10), readable on white and told apart in print.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Font sizes, in pixels.
pub const TITLE: u32 = 28;
pub const AXIS_TITLE: u32 = 20;
pub const TICK: u32 = 17;
pub const LEGEND: u32 = 18;

pub fn style(size: u32) -> TextStyle<'static> {
    (font::FAMILY, size).into_font().color(&BLACK)
}

/// Width and height of `text` at `size`.
pub fn measure<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: u32) -> (u32, u32) {
    area.estimate_text_size(text, &style(size))
        .unwrap_or((text.chars().count() as u32 * size * 6 / 10, size))
}

/// The width of the widest of `texts` at `size`.
pub fn widest<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, texts: &[String], size: u32) -> u32 {
    texts.iter().map(|t| measure(area, t, size).0).max().unwrap_or(0)
}

/// A horizontal value axis with as many ticks (2 to 8) as fit side by side in `room` pixels,
/// with space between their labels.
pub fn x_axis<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
    log: bool,
    unit: Option<&str>,
    room: u32,
) -> ValueAxis {
    (2..=8)
        .rev()
        .map(|n| ValueAxis::new(lo, hi, log, unit, n))
        .find(|a| (widest(area, a.labels(), TICK) + 24) * a.labels().len() as u32 <= room)
        .unwrap_or_else(|| ValueAxis::new(lo, hi, log, unit, 2))
}

/// `text`, cut with `…` to fit `width` pixels at `size`.
pub fn fit<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: u32, width: u32) -> String {
    if measure(area, text, size).0 <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    (1..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>()))
        .find(|t| measure(area, t, size).0 <= width)
        .unwrap_or_else(|| "…".into())
}

/// Draws `title` centred at the top of `root` (smaller, then cut, if it is too wide) and
/// returns the area below it.
pub fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (w, _) = root.dim_in_pixel();
    let room = w.saturating_sub(40);
    let size = (18..=TITLE)
        .rev()
        .find(|&s| measure(root, title, s).0 <= room)
        .unwrap_or(18);
    let text = fit(root, title, size, room);
    let (_, h) = measure(root, &text, size);
    let top = 14;
    root.draw_text(
        &text,
        &style(size).pos(Pos::new(HPos::Center, VPos::Top)),
        (w as i32 / 2, top),
    )
    .map_err(PlotError::draw)?;
    Ok(root.split_vertically(top as u32 + h + 10).1)
}

/// One legend entry: how its mark is drawn, and its text.
pub struct Entry {
    pub mark: Mark,
    pub text: String,
}

pub enum Mark {
    /// A line with a dot, as a line chart's series.
    Line(RGBColor),
    /// A filled box, as a tornado's bars.
    Swatch(RGBColor),
}

const MARK_W: i32 = 30;

fn draw_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mark: &Mark,
    (x, y): (i32, i32),
) -> Result<(), PlotError> {
    match mark {
        Mark::Line(color) => {
            area.draw(&PathElement::new(vec![(x, y), (x + MARK_W, y)], color.stroke_width(3)))
                .map_err(PlotError::draw)?;
            area.draw(&Circle::new((x + MARK_W / 2, y), 4, color.filled()))
                .map_err(PlotError::draw)
        }
        Mark::Swatch(color) => area
            .draw(&Rectangle::new(
                [(x + 4, y - 8), (x + MARK_W - 4, y + 8)],
                color.filled(),
            ))
            .map_err(PlotError::draw),
    }
}

/// The width a column legend of `entries` needs.
pub fn column_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[Entry]) -> u32 {
    let text = entries
        .iter()
        .map(|e| measure(area, &e.text, LEGEND).0)
        .max()
        .unwrap_or(0);
    text + MARK_W as u32 + 60
}

/// Entries one under the other, from `top` pixels down `area`, cut to its width.
pub fn legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    top: i32,
) -> Result<(), PlotError> {
    let (w, _) = area.dim_in_pixel();
    let room = w.saturating_sub(MARK_W as u32 + 30);
    let line = LEGEND as i32 + 12;
    for (i, entry) in entries.iter().enumerate() {
        let y = top + line * i as i32;
        draw_mark(area, &entry.mark, (10, y))?;
        let text = fit(area, &entry.text, LEGEND, room);
        area.draw_text(
            &text,
            &style(LEGEND).pos(Pos::new(HPos::Left, VPos::Center)),
            (10 + MARK_W + 10, y),
        )
        .map_err(PlotError::draw)?;
    }
    Ok(())
}

/// Entries side by side, centred on one line of `area`, `y` pixels from its top.
pub fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    y: i32,
) -> Result<(), PlotError> {
    let (w, _) = area.dim_in_pixel();
    let gap = 30;
    let widths: Vec<i32> = entries
        .iter()
        .map(|e| MARK_W + 8 + measure(area, &e.text, LEGEND).0 as i32)
        .collect();
    let total: i32 = widths.iter().sum::<i32>() + gap * (entries.len() as i32 - 1).max(0);
    let mut x = ((w as i32 - total) / 2).max(10);
    for (entry, width) in entries.iter().zip(widths) {
        draw_mark(area, &entry.mark, (x, y))?;
        area.draw_text(
            &entry.text,
            &style(LEGEND).pos(Pos::new(HPos::Left, VPos::Center)),
            (x + MARK_W + 8, y),
        )
        .map_err(PlotError::draw)?;
        x += width + gap;
    }
    Ok(())
}
