"""Bring writing into Byline: Medium exports and Markdown files with front matter.

The management commands `import_medium` and `import_markdown` are thin wrappers around
`medium.import_export` and `markdown_files.import_files`; both hand parsed pieces to
`common.Importer`, which creates or updates them through the Article model.
"""
