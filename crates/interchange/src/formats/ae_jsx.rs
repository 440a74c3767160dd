//! An After Effects script (ExtendScript `.jsx`, run with File > Scripts > Run Script File) that
//! adds one composition marker per comment to the active composition (export only: After
//! Effects has no marker file import).
//!
//! The data sits in one `var data = {…};` line that is valid JSON; the code below it places each
//! marker at `frame × den / num` seconds of composition time (from 0: the composition's display
//! start timecode is not added), sets its duration (0 for a point) and its label colour, all in
//! one undo group. It asks before marking a composition whose frame rate differs from the sheet's.
//!
//! Text: the marker comment is the text, `author: ` first when authors are included. Every
//! string is written by [`crate::text::js_string`]: escaped quotes and backslashes, control
//! characters, U+2028/U+2029, `<`, `>`, `&` and all non-ASCII as `\uXXXX`, so comment text can
//! neither end the string nor depend on the script file's encoding. No user text appears outside
//! the data line. Nothing is cut.

use crate::export::Prepared;
use crate::text::js_string;

const SCRIPT: &str = r#"(function () {
  var comp = app.project.activeItem;
  if (!(comp instanceof CompItem)) {
    alert("Select the composition to mark in the Project panel or the timeline, then run this script again.");
    return;
  }
  var fps = data.fps_num / data.fps_den;
  if (Math.abs(comp.frameRate - fps) > 0.001 &&
      !confirm("This composition runs at " + comp.frameRate + " fps; the review notes are at " + fps.toFixed(3) + " fps. Add the markers anyway?")) {
    return;
  }
  app.beginUndoGroup("Frameproof review markers");
  for (var i = 0; i < data.markers.length; i++) {
    var m = data.markers[i];
    var mv = new MarkerValue(m.comment);
    mv.duration = m.dur * data.fps_den / data.fps_num;
    try { mv.label = m.label; } catch (e) { /* labels need After Effects 2020 or later */ }
    comp.markerProperty.setValueAtTime(m.frame * data.fps_den / data.fps_num, mv);
  }
  app.endUndoGroup();
})();
"#;

pub(crate) fn write(p: &Prepared<'_>) -> String {
    let markers: Vec<String> = p
        .entries
        .iter()
        .map(|e| {
            let dur = if e.frame_out.is_some() { e.frames() } else { 0 };
            format!(
                "{{\"frame\":{},\"dur\":{dur},\"comment\":{},\"label\":{}}}",
                e.frame_in,
                js_string(&e.text_with_author(p.options.include_author)),
                e.colour.ae_label()
            )
        })
        .collect();
    format!(
        "// Frameproof review markers for After Effects.\n\
         // Run with File > Scripts > Run Script File... while the composition to mark is active.\n\
         // Markers are placed in composition time from 0; the display start timecode is not added.\n\
         var data = {{\"name\":{},\"fps_num\":{},\"fps_den\":{},\"markers\":[{}]}};\n{SCRIPT}",
        js_string(p.name),
        p.rate.num,
        p.rate.den,
        markers.join(",")
    )
}
