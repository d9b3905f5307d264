"""The release (`dist/`): building it from validated sources, and reading it back.

A release is the contract between the curation side and the serving side: `build` writes it (graph
files, VoID/DCAT, JSON-LD context, SSSOM and FHIR views, the on-disk store), `read` opens it.
"""
