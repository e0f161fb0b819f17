"""Folium maps and pages (see issue: web)."""
