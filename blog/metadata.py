"""Structured data (schema.org JSON-LD) for reader pages."""


def article_structured_data(request, article):
    author = article.author
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title[:110],
        "description": article.summary,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "mainEntityOfPage": article.canonical_url
        or request.build_absolute_uri(article.get_absolute_url()),
        "author": {
            "@type": "Person",
            "name": author.display_name,
            "url": request.build_absolute_uri(author.get_absolute_url()),
        },
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.modified_at.isoformat(),
        "wordCount": article.word_count,
        "commentCount": article.response_count,
        "keywords": [tag.name for tag in article.tags.all()],
    }
    if article.cover_image:
        data["image"] = request.build_absolute_uri(article.cover_image.url)
    elif author.avatar:
        data["image"] = request.build_absolute_uri(author.avatar.url)
    return data
