"""HTTP and server-sent events: the bytes between the engine and a provider, and nothing above them."""
