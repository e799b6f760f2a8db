"""Cues said aloud by the browser's own speech synthesis (``window.speechSynthesis``): offline, nothing is
fetched, no outside service.

The page re-draws its status every half second, and Streamlit may re-create the small HTML component that
speaks; so each utterance carries a number and the page remembers the last number it said: a cue is said
once, however often it is drawn.
"""

from __future__ import annotations

import json

import streamlit.components.v1 as components

SPEECH_JS = """<script>
(function () {
  const host = (function () { try { return window.parent.speechSynthesis ? window.parent : window; }
                              catch (e) { return window; } })();
  const said = %(number)s, text = %(text)s;
  if (!host.speechSynthesis || !text || (host.__formcheckSaid || 0) >= said) return;
  host.__formcheckSaid = said;
  host.speechSynthesis.cancel();  // a newer cue replaces one not yet finished
  host.speechSynthesis.speak(new host.SpeechSynthesisUtterance(text));
})();
</script>"""


def speech_html(text: str, number: int) -> str:
    """The component's page: says ``text`` unless utterance ``number`` (or a later one) was said already."""
    return SPEECH_JS % {"number": int(number), "text": json.dumps(text)}


def speak(text: str, number: int) -> None:
    """Say ``text`` once in the browser (an invisible component)."""
    components.html(speech_html(text, number), height=0)
