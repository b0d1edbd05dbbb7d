"""The clinic's profile: name, contacts, clinicians, letterhead and defaults."""
