"""Quotes count only when they are the candidate's own words."""

from interviewer.grading.evidence import locate, verify_quotes

TURNS = [
    "We return a 201 with the message SID. If the call times out, they retry with the same Idempotency-Key and get the first result back.",
    "Callbacks are “at-least-once”, so dedupe on SID plus status.",
]


def test_a_verbatim_quote_is_kept_as_the_candidates_exact_text():
    check = verify_quotes(["retry with the same Idempotency-Key and get the first result back"], TURNS)
    assert check.kept == ["retry with the same Idempotency-Key and get the first result back"]
    assert check.dropped == []


def test_whitespace_case_and_quote_style_are_forgiven_but_the_original_is_returned():
    found = locate('  callbacks are "AT-LEAST-ONCE",   so dedupe on SID plus status ', TURNS)
    assert found == "Callbacks are “at-least-once”, so dedupe on SID plus status"


def test_wrapping_quote_marks_and_ellipses_are_ignored():
    assert locate('"...we return a 201 with the message SID..."', TURNS) == "We return a 201 with the message SID"


def test_a_paraphrase_is_dropped_and_reported():
    check = verify_quotes(["they retry using the same key and receive the original result"], TURNS)
    assert check.kept == []
    assert check.dropped == ["they retry using the same key and receive the original result"]


def test_a_quote_spliced_from_two_turns_is_not_verbatim():
    assert locate("get the first result back. Callbacks are at-least-once", TURNS) is None


def test_tiny_fragments_prove_nothing():
    assert verify_quotes(["the SID"], TURNS).kept == []


def test_duplicates_are_kept_once():
    check = verify_quotes(["dedupe on SID plus status", "Dedupe on SID plus status."], TURNS)
    assert check.kept == ["dedupe on SID plus status"]


def test_a_substantive_sentence_is_prose_not_markup_or_a_fragment():
    from interviewer.grading.evidence import is_substantive

    assert is_substantive("They dedupe on the message SID plus status because callbacks are at-least-once.")
    assert not is_substantive("<script>alert(1)</script>")
    assert not is_substantive("If someone pastes <script>alert(1)</script> into a template we escape it.")
    assert not is_substantive("Yes, 160 characters.")
    assert not is_substantive('POST /v1/Messages {"to": "+1555", "body": "hi"}')
