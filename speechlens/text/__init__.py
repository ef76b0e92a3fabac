"""Text: normalisation, sentences and headings, segmentation."""
