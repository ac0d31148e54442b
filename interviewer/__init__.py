"""A mock interviewer and grader for Twilio product-manager interviews."""

__version__ = "0.1.0"
