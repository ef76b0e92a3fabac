"""Reading: file -> Document (decoding, docx/PDF, exports, metadata)."""
