"""Reading time, word counts and excerpts computed from rendered Markdown."""

import pytest

import markup

# --- reading_time_minutes: 265 words a minute; images 12 s, 11 s, ... down to 3 s each ---------


@pytest.mark.parametrize(
    ("words", "images", "minutes"),
    [
        (0, 0, 1),  # never less than a minute
        (1, 0, 1),
        (265, 0, 1),  # exactly 60 s
        (266, 0, 2),  # 60.2 s rounds up
        (530, 0, 2),
        (531, 0, 3),
        (2650, 0, 10),
        (2651, 0, 11),
        # Images alone: 12 + 11 + 10 + 9 + 8 + 7 = 57 s, the seventh (6 s) makes 63 s.
        (0, 1, 1),
        (0, 6, 1),
        (0, 7, 2),
        # Words and images add up: 212 words are 48 s, plus the first image's 12 s is 60 s.
        (212, 1, 1),
        (213, 1, 2),
        # 159 words are 36 s, plus 12 + 11 s for two images is 59 s; 163 words are 59.9 s,
        # 164 words 60.1 s.
        (159, 2, 1),
        (163, 2, 1),
        (164, 2, 2),
        # Ten images are 12 + 11 + ... + 3 = 75 s; from the tenth on each costs 3 s:
        # 45 s of words (198.75 words) + 75 s = 120 s at 198 words, just over at 199.
        (198, 10, 2),
        (199, 10, 3),
        # 11 images: 78 s, 12 images: 81 s, 20 images: 75 + 10 * 3 = 105 s.
        (0, 10, 2),
        (0, 20, 2),
        (0, 40, 3),  # 75 + 30 * 3 = 165 s
        (0, 45, 3),  # 75 + 35 * 3 = 180 s, exactly three minutes
        (0, 46, 4),
        (1, 45, 4),  # one more word (0.23 s) crosses the boundary too
    ],
)
def test_reading_time_follows_mediums_rule(words, images, minutes):
    assert markup.reading_time_minutes(words, images) == minutes


def test_each_image_costs_one_second_less_down_to_three():
    # Total seconds for n images, derived from whole-minute answers at the 60 s boundary:
    # 4 images (42 s) + 18 s of words (79.5 words) fits in a minute; 80 words do not.
    assert markup.reading_time_minutes(79, 4) == 1
    assert markup.reading_time_minutes(80, 4) == 2
    # 5 images are 50 s: 10 s of words is 44.16 words.
    assert markup.reading_time_minutes(44, 5) == 1
    assert markup.reading_time_minutes(45, 5) == 2


def test_images_default_to_none():
    assert markup.reading_time_minutes(265) == 1
    assert markup.reading_time_minutes(266) == 2


# --- text_stats and html_to_text ----------------------------------------------------------


def test_text_stats_counts_words_and_images_of_rendered_markdown():
    rendered = markup.render_markdown(
        "# A title here\n\nOne two *three* [four](/x).\n\n![alt words](/a.png) ![b](/b.png)\n\n"
        "- five\n- six\n\n| seven | eight |\n|---|---|\n| nine | ten |\n"
    )

    assert markup.text_stats(rendered) == (13, 2)


def test_text_stats_ignores_permalinks_footnote_marks_and_the_table_of_contents():
    rendered = markup.render_markdown(
        "[TOC]\n\n## Intro\n\nWater is wet[^1].\n\n## End\n\n[^1]: Source here."
    )

    assert markup.html_to_text(rendered) == "Intro Water is wet. End Source here."
    assert markup.text_stats(rendered) == (7, 0)


def test_inline_markup_does_not_split_words_but_blocks_do():
    rendered = markup.render_markdown("H<sub>2</sub>O and *un*believable\n\n- a\n- b")

    assert markup.html_to_text(rendered) == "H2O and unbelievable a b"


def test_entities_are_decoded_and_whitespace_collapsed():
    rendered = markup.render_markdown("Fish &amp; chips   &lt;3\n\ncafé")

    assert markup.html_to_text(rendered) == "Fish & chips <3 café"
    assert markup.text_stats(rendered) == (5, 0)


def test_text_stats_of_empty_html():
    assert markup.text_stats("") == (0, 0)
    assert markup.html_to_text("") == ""


def test_code_counts_as_words():
    rendered = markup.render_markdown("```python\nprint(1)\nx = 2\n```")

    assert markup.text_stats(rendered) == (4, 0)


# --- excerpt ------------------------------------------------------------------------------


def test_excerpt_is_the_first_paragraph_as_plain_text():
    rendered = markup.render_markdown(
        "# Heading\n\nFirst *paragraph* with [a link](/x) &amp; more.\n\nSecond paragraph."
    )

    assert markup.excerpt(rendered) == "First paragraph with a link & more."


def test_excerpt_skips_an_image_only_opening_paragraph():
    rendered = markup.render_markdown("![Hero](/hero.jpg)\n\nThe story starts here.")

    assert markup.excerpt(rendered) == "The story starts here."


def test_excerpt_falls_back_to_all_text_without_paragraphs():
    rendered = markup.render_markdown("## Only a heading\n\n- and\n- a list")

    assert markup.excerpt(rendered) == "Only a heading and a list"


def test_excerpt_leaves_out_footnote_marks():
    rendered = markup.render_markdown("A claim[^1] stands.\n\n[^1]: Proof.")

    assert markup.excerpt(rendered) == "A claim stands."


def test_excerpt_is_trimmed_on_a_word_boundary():
    rendered = markup.render_markdown("word " * 100)

    result = markup.excerpt(rendered, limit=22)

    assert result == "word word word word…"
    assert len(result) <= 22


def test_excerpt_of_nothing_is_empty():
    assert markup.excerpt("") == ""
    assert markup.excerpt(markup.render_markdown("![only](/a.png)")) == ""


# --- trim ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("aaa bbb ccc", 8, "aaa bbb…"),  # the cut lands on a space: keep the whole word before
        ("aaa bbb ccc", 7, "aaa…"),  # the cut lands inside "bbb": drop it
        ("aaa bbb ccc", 10, "aaa bbb…"),
        ("one, two, three", 10, "one, two…"),  # trailing punctuation is dropped before …
        ("end. Next sentence", 6, "end…"),
        ("Supercalifragilistic", 6, "Super…"),  # one long word is cut mid-word
        ("a — b — c — d", 6, "a — b…"),
        ("", 5, ""),
    ],
)
def test_trim(text, limit, expected):
    result = markup.trim(text, limit)

    assert result == expected
    assert len(result) <= limit
