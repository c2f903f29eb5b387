"""Web pages (session cookie after /login), one blueprint per audience."""
