//! WCAG contrast of the branding colours, for `portcullis check`: the
//! default pages put white button text on `primary_color`, body text in
//! `text_color` and links in `primary_color` on `background_color`.

use portcullis::settings::Branding;

/// WCAG 2 AA for normal text.
const AA: f64 = 4.5;

/// The button text colour of the default stylesheet (`.pc-button--primary`).
const BUTTON_TEXT: &str = "#ffffff";

/// One line per colour pair of the default pages below WCAG AA.
pub fn warnings(b: &Branding) -> Vec<String> {
    [
        (
            "button text (white) on auth.branding.primary_color",
            BUTTON_TEXT,
            b.primary_color.as_str(),
        ),
        (
            "auth.branding.text_color on auth.branding.background_color",
            b.text_color.as_str(),
            b.background_color.as_str(),
        ),
        (
            "links (auth.branding.primary_color) on auth.branding.background_color",
            b.primary_color.as_str(),
            b.background_color.as_str(),
        ),
    ]
    .into_iter()
    .filter_map(|(what, fg, bg)| {
        let ratio = ratio(fg, bg)?;
        (ratio < AA).then(|| {
            format!("{what}: contrast {ratio:.2}:1 is below WCAG AA ({AA}:1); pick a darker or lighter colour")
        })
    })
    .collect()
}

/// The WCAG contrast ratio of two `#rgb`/`#rrggbb` colours (settings
/// validation has checked their form).
fn ratio(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// Relative luminance (WCAG 2).
fn luminance(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#')?;
    let hex: String = match hex.len() {
        3 => hex.chars().flat_map(|c| [c, c]).collect(),
        6 => hex.to_owned(),
        _ => return None,
    };
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_wcag() {
        assert!((ratio("#000", "#fff").unwrap() - 21.0).abs() < 1e-9);
        assert!((ratio("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
        assert_eq!(ratio("#fff", "#fff"), Some(1.0));
    }

    #[test]
    fn the_default_branding_passes_and_a_pale_primary_is_named() {
        assert!(warnings(&Branding::default()).is_empty());
        let pale = Branding {
            primary_color: "#ffcc00".into(),
            ..Branding::default()
        };
        let w = warnings(&pale);
        assert!(
            w[0].starts_with("button text (white) on auth.branding.primary_color: contrast 1.51:1"),
            "{w:?}"
        );
    }
}
