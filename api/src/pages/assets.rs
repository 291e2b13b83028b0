//! The portal's two style sheets: `portal.css`, fixed and built into the binary, and
//! `brand.css`, the portal settings' colour as CSS variables (so pages need no inline style).

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::pages::PageError;
use crate::pages::layout::settings;

/// The portal's style sheet.
const PORTAL_CSS: &str = include_str!("../../assets/portal.css");

/// The colour of the portal's bar when the settings give none.
const DEFAULT_BRAND: &str = "#1f4e79";

/// `GET /portal/assets/portal.css`.
pub(crate) async fn portal_css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        PORTAL_CSS,
    )
        .into_response()
}

/// `GET /portal/assets/brand.css`: `--brand` is the settings' background colour and
/// `--on-brand` a text colour readable on it.
pub(crate) async fn brand_css(State(state): State<AppState>) -> Result<Response, PageError> {
    let settings = settings(&state).await?;
    let brand = settings
        .appearance
        .background_colour
        .as_ref()
        .map_or(DEFAULT_BRAND, |colour| colour.as_str());

    let css = format!(
        ":root {{ --brand: {brand}; --on-brand: {}; }}\n",
        text_colour_on(brand)
    );
    Ok((
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        css,
    )
        .into_response())
}

/// Black or white, whichever reads better on `#rrggbb` (by relative luminance, WCAG 2).
fn text_colour_on(colour: &str) -> &'static str {
    let channel = |from: usize| {
        let value = colour
            .get(from..from + 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .unwrap_or(0);
        let value = f64::from(value) / 255.0;
        if value <= 0.039_28 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Black wins when its contrast, (L + 0.05) / 0.05, beats white's, 1.05 / (L + 0.05).
    if (luminance + 0.05) * (luminance + 0.05) > 0.0525 {
        "#000000"
    } else {
        "#ffffff"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_the_brand_colour_is_black_on_light_colours_and_white_on_dark_ones() {
        let cases = [
            ("#ffffff", "#000000", "white"),
            ("#ffeb3b", "#000000", "yellow"),
            ("#1f4e79", "#ffffff", "dark blue"),
            ("#000000", "#ffffff", "black"),
        ];

        for (colour, expected, message) in cases {
            assert_eq!(text_colour_on(colour), expected, "{message}");
        }
    }
}
