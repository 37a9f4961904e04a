"""The explorer: a local web page (Solara) over a results folder, with live runs for combinations not in it."""
