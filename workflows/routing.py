
websocket_urlpatterns: list = []  # type: ignore[type-arg]
