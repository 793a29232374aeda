"""The HTTP surfaces, one router each."""
