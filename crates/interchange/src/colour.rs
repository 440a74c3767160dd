//! Marker colours: a small palette every colour-carrying format can show, how a marker gets
//! its colour, and each format's name for it.

use crate::model::{ColourBy, Marker, MarkerState};

/// The colours exports use: the ones Resolve, Avid (classic palette), OTIO and After Effects
/// all have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Colour {
    Red,
    Yellow,
    Green,
    Cyan,
    Blue,
    Magenta,
}

/// Author colours, in the order authors are met.
const AUTHOR_PALETTE: [Colour; 6] =
    [Colour::Blue, Colour::Yellow, Colour::Cyan, Colour::Magenta, Colour::Green, Colour::Red];

impl Colour {
    /// The colour of a comment in this state: red while open, green once resolved.
    pub fn for_state(state: MarkerState) -> Colour {
        match state {
            MarkerState::Open => Colour::Red,
            MarkerState::Resolved => Colour::Green,
        }
    }

    /// Resolve's marker colour (after `ResolveColor`).
    pub fn resolve(self) -> &'static str {
        match self {
            Colour::Red => "Red",
            Colour::Yellow => "Yellow",
            Colour::Green => "Green",
            Colour::Cyan => "Cyan",
            Colour::Blue => "Blue",
            Colour::Magenta => "Fuchsia",
        }
    }

    /// Avid's classic locator colour (lower case, as Media Composer writes it).
    pub fn avid(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Yellow => "yellow",
            Colour::Green => "green",
            Colour::Cyan => "cyan",
            Colour::Blue => "blue",
            Colour::Magenta => "magenta",
        }
    }

    /// OTIO's `Marker.2` colour.
    pub fn otio(self) -> &'static str {
        match self {
            Colour::Red => "RED",
            Colour::Yellow => "YELLOW",
            Colour::Green => "GREEN",
            Colour::Cyan => "CYAN",
            Colour::Blue => "BLUE",
            Colour::Magenta => "MAGENTA",
        }
    }

    /// After Effects' label index (1 Red, 2 Yellow, 8 Blue, 9 Green, 13 Fuchsia, 14 Cyan).
    pub fn ae_label(self) -> u8 {
        match self {
            Colour::Red => 1,
            Colour::Yellow => 2,
            Colour::Blue => 8,
            Colour::Green => 9,
            Colour::Magenta => 13,
            Colour::Cyan => 14,
        }
    }
}

/// The colour of each marker, in the order given. By author, authors get the palette in order
/// of their first marker in `markers` (so up to six authors never share a colour within one
/// file); by state, open is red and resolved green.
pub fn assign(markers: &[&Marker], by: ColourBy) -> Vec<Colour> {
    match by {
        ColourBy::State => markers.iter().map(|m| Colour::for_state(m.state)).collect(),
        ColourBy::Author => {
            let mut seen: Vec<&str> = Vec::new();
            markers
                .iter()
                .map(|m| {
                    let index = match seen.iter().position(|a| *a == m.author) {
                        Some(i) => i,
                        None => {
                            seen.push(&m.author);
                            seen.len() - 1
                        }
                    };
                    AUTHOR_PALETTE[index % AUTHOR_PALETTE.len()]
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(author: &str, state: MarkerState) -> Marker {
        Marker {
            frame_in: 0,
            frame_out: None,
            text: String::new(),
            author: author.into(),
            state,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            replies: vec![],
        }
    }

    #[test]
    fn by_state_open_is_red_and_resolved_green() {
        let (a, b) = (marker("Ana", MarkerState::Open), marker("Ana", MarkerState::Resolved));
        assert_eq!(assign(&[&a, &b], ColourBy::State), [Colour::Red, Colour::Green]);
    }

    #[test]
    fn by_author_each_author_keeps_one_colour_and_authors_differ() {
        let ms: Vec<Marker> =
            ["Ana", "Ben", "Ana", "Chloé", "Ben"].iter().map(|a| marker(a, MarkerState::Open)).collect();
        let refs: Vec<&Marker> = ms.iter().collect();
        let colours = assign(&refs, ColourBy::Author);
        assert_eq!(colours, [Colour::Blue, Colour::Yellow, Colour::Blue, Colour::Cyan, Colour::Yellow]);
    }

    #[test]
    fn by_author_wraps_after_six_authors() {
        let ms: Vec<Marker> = (0..7).map(|i| marker(&format!("a{i}"), MarkerState::Open)).collect();
        let refs: Vec<&Marker> = ms.iter().collect();
        let colours = assign(&refs, ColourBy::Author);
        assert_eq!(colours[6], colours[0]);
        assert_eq!(colours[..6].iter().collect::<std::collections::HashSet<_>>().len(), 6);
    }

    #[test]
    fn every_colour_has_a_name_in_every_format() {
        for c in AUTHOR_PALETTE {
            assert!(!c.resolve().is_empty() && !c.avid().is_empty() && !c.otio().is_empty());
            assert!((1..=16).contains(&c.ae_label()));
        }
    }
}
