"""The languages a piece can be written in, and what each means for search and metadata.

One row per language: BCP-47 code, name, PostgreSQL text-search configuration (the stemmer;
`simple` where PostgreSQL 15 has none), and the Open Graph locale. See docs/search.md.
"""

LANGUAGES = [
    # code, name, PostgreSQL configuration, og:locale
    ("en", "English", "english", "en_US"),
    ("ru", "Russian", "russian", "ru_RU"),
    ("uk", "Ukrainian", "simple", "uk_UA"),
    ("de", "German", "german", "de_DE"),
    ("fr", "French", "french", "fr_FR"),
    ("es", "Spanish", "spanish", "es_ES"),
    ("it", "Italian", "italian", "it_IT"),
    ("pt", "Portuguese", "portuguese", "pt_PT"),
    ("nl", "Dutch", "dutch", "nl_NL"),
    ("pl", "Polish", "simple", "pl_PL"),
]

LANGUAGE_CHOICES = [(code, name) for code, name, _, _ in LANGUAGES]
LANGUAGE_CODES = {code for code, *_ in LANGUAGES}
TEXT_SEARCH_CONFIGS = {code: config for code, _, config, _ in LANGUAGES}
OG_LOCALES = {code: locale for code, _, _, locale in LANGUAGES}


def byline_config(config):
    """The name of Byline's own configuration for a PostgreSQL one: unaccent, then the stemmer."""
    return f"byline_{config}"


# Every configuration Byline creates (and queries are parsed in), `simple` included.
BYLINE_CONFIGS = sorted({byline_config(config) for config in TEXT_SEARCH_CONFIGS.values()})
