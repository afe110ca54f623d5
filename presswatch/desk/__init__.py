"""The analyst's desk: ad-hoc search, exports, alert handling and the outlet directory."""
