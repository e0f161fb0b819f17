"""Getting data in: the bundled Futian dataset (``dataset``) and users' files (``importer``)."""
