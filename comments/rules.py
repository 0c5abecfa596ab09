"""The automatic rules: which new responses are held for review or marked as spam."""

import re
from dataclasses import dataclass

from blog.models import Article

from .models import Comment, ModerationWord
from .text import count_links

Mode = Article.ResponsesMode


def effective_mode(article) -> str:
    return article.effective_responses_mode


def accepts_responses(article) -> bool:
    return effective_mode(article) in (Mode.OPEN, Mode.PREMODERATED)


def shows_responses(article) -> bool:
    return effective_mode(article) != Mode.OFF


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str = ""


APPROVE = Verdict(Comment.Status.APPROVED)


def _matches(words, text):
    for word in words:
        pattern = r"(?<!\w)" + re.escape(word.strip()) + r"(?!\w)"
        if word.strip() and re.search(pattern, text, flags=re.IGNORECASE):
            return word.strip()
    return None


def word_lists():
    lists = {ModerationWord.Action.HOLD: [], ModerationWord.Action.BLOCK: []}
    for word, action in ModerationWord.objects.values_list("word", "action"):
        lists[action].append(word)
    return lists


def check_text(body, body_html) -> Verdict:
    """The rules about the text itself (applied to new responses and to edits)."""
    lists = word_lists()
    if word := _matches(lists[ModerationWord.Action.BLOCK], body):
        return Verdict(Comment.Status.SPAM, f'Contains a blocked word: "{word}".')
    if count_links(body_html) >= 2:
        return Verdict(Comment.Status.PENDING, "Contains two or more links.")
    if word := _matches(lists[ModerationWord.Action.HOLD], body):
        return Verdict(Comment.Status.PENDING, f'Contains a word on the hold list: "{word}".')
    return APPROVE


def check_new(*, article, author, body, body_html, honeypot="", editing=None) -> Verdict:
    """Decide the first status of a new response, or of an edited one (`editing`): an edit
    passes the same holds, and the response being edited does not count as an earlier
    approved one (so a first-time responder's edit is held like their first response)."""
    if honeypot:
        return Verdict(Comment.Status.SPAM, "Filled the hidden form field (a bot).")
    verdict = check_text(body, body_html)
    if verdict.status != Comment.Status.APPROVED:
        return verdict
    if effective_mode(article) == Mode.PREMODERATED:
        return Verdict(Comment.Status.PENDING, "The piece is pre-moderated.")
    earlier = Comment.objects.filter(author=author, approved_at__isnull=False)
    if editing is not None:
        earlier = earlier.exclude(pk=editing.pk)
    if not earlier.exists():
        return Verdict(Comment.Status.PENDING, "First response from this account.")
    return APPROVE
