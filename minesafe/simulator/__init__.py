"""The stream simulator: realistic networking files of a county or the nation with scripted
incidents and their ground truth (issue 3 §5). No Django import: it runs anywhere."""
