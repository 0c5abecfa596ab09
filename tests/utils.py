import html as html_lib
import re


def page_text(response):
    """The text a reader sees in a response's HTML body, white space folded."""
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"<head>.*?</head>", " ", markup, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split()).replace(" ·", " ·")
