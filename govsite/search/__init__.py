"""Search: one analyzer for the build and the browser, a sharded static index, and whoosh for webmasters."""
