"""Reference data written into code with its source: countries, groups, HS codes, baskets."""
