"""The web service: the app and its route table, routers, pages, negotiation, HTTP policies."""
