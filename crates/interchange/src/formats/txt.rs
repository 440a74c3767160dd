//! A plain-text list to read, mail or print (export only):
//!
//! ```text
//! review_v3
//! 29.97 fps drop-frame, from 01:00:00;00, 6000 frames, 2 markers
//!
//! 01:01:00;02  (frame 1800)  Ana  [open]
//!     flicker on the lamp
//!
//! 01:01:40;02–01:01:43;01  (frames 3000–3089)  Ben  [resolved]
//!     Music too loud
//! ```
//!
//! Text: every line of a comment is indented by four spaces; tabs and other control characters
//! become spaces. Nothing is cut. Lines end in LF.

use crate::export::Prepared;
use crate::text::single_line;

pub(crate) fn write(p: &Prepared<'_>) -> String {
    let format = p.tc.format;
    let timing = if format.drop_frame() { "drop-frame" } else { "non-drop-frame" };
    let count = match p.entries.len() {
        1 => "1 marker".to_owned(),
        n => format!("{n} markers"),
    };
    let mut out = format!(
        "{}\n{} fps {timing}, from {}, {} frames, {count}\n",
        single_line(p.name, &[]),
        fps_label(p.rate),
        p.start_label(),
        p.frame_count
    );
    for e in &p.entries {
        let at = match e.frame_out {
            None => format!("{}  (frame {})", p.tc.label(e.frame_in), e.frame_in),
            Some(last) => {
                format!("{}–{}  (frames {}–{last})", p.tc.label(e.frame_in), p.tc.label(last), e.frame_in)
            }
        };
        let author = single_line(p.author_field(e), &[]);
        let who = if author.is_empty() { String::new() } else { format!("  {author}") };
        out.push_str(&format!("\n{at}{who}  [{}]\n", e.state.as_str()));
        for line in e.text.lines() {
            out.push_str(&format!("    {}\n", single_line(line, &[])));
        }
    }
    out
}

/// `25`, `29.97`, `23.976`: the rate with up to three decimals.
fn fps_label(rate: frameproof_domain::FrameRate) -> String {
    if rate.den == 1 {
        return rate.num.to_string();
    }
    let s = format!("{:.3}", rate.fps());
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameproof_domain::FrameRate;

    #[test]
    fn rates_read_as_editors_say_them() {
        assert_eq!(fps_label(FrameRate { num: 30000, den: 1001 }), "29.97");
        assert_eq!(fps_label(FrameRate { num: 24000, den: 1001 }), "23.976");
        assert_eq!(fps_label(FrameRate { num: 25, den: 1 }), "25");
        assert_eq!(fps_label(FrameRate { num: 25, den: 2 }), "12.5");
    }
}
