"""The back office: staff sign in as themselves and work in server-rendered pages."""
