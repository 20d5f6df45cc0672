//! Minimal SVG line charts: enough for a lateness CDF and a throughput trace, without a
//! plotting dependency.

pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

const W: f64 = 800.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLOURS: &[&str] = &["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/// A round step giving about `ticks` ticks over `span`.
fn step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks).max(1e-12);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn label(v: f64) -> String {
    if v.abs() >= 1000.0 || v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A line chart; the axes start at `x_min`/0 and end at the given maxima (points beyond
/// are clipped to the frame).
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    x_max: f64,
    y_max: f64,
) -> String {
    let x_min = 0.0;
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let sx = |x: f64| LEFT + (x.clamp(x_min, x_max) - x_min) / (x_max - x_min).max(1e-12) * pw;
    let sy = |y: f64| TOP + ph - (y.clamp(0.0, y_max) / y_max.max(1e-12)) * ph;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>
"#,
        W / 2.0,
        escape(title)
    );
    let xs = step(x_max - x_min, 8.0);
    let mut x = x_min;
    while x <= x_max + 1e-9 {
        out.push_str(&format!(
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#ddd"/><text x="{0:.1}" y="{3}" text-anchor="middle">{4}</text>
"##,
            sx(x),
            TOP,
            TOP + ph,
            TOP + ph + 16.0,
            label(x)
        ));
        x += xs;
    }
    let ys = step(y_max, 6.0);
    let mut y = 0.0;
    while y <= y_max + 1e-9 {
        out.push_str(&format!(
            r##"<line x1="{0}" y1="{1:.1}" x2="{2}" y2="{1:.1}" stroke="#ddd"/><text x="{3}" y="{4:.1}" text-anchor="end">{5}</text>
"##,
            LEFT,
            sy(y),
            LEFT + pw,
            LEFT - 6.0,
            sy(y) + 4.0,
            label(y)
        ));
        y += ys;
    }
    out.push_str(&format!(
        r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>
<text x="{}" y="{}" text-anchor="middle">{}</text>
<text transform="translate(18,{}) rotate(-90)" text-anchor="middle">{}</text>
"##,
        LEFT + pw / 2.0,
        H - 10.0,
        escape(x_label),
        TOP + ph / 2.0,
        escape(y_label)
    ));
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<String> = s
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        out.push_str(&format!(
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}"/>
<rect x="{}" y="{}" width="14" height="3" fill="{colour}"/><text x="{}" y="{}">{}</text>
"#,
            points.join(" "),
            LEFT + pw - 260.0,
            TOP + 14.0 + 18.0 * i as f64,
            LEFT + pw - 240.0,
            TOP + 19.0 + 18.0 * i as f64,
            escape(&s.name)
        ));
    }
    out.push_str("</svg>\n");
    out
}
