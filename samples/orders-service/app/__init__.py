"""orders-service: a tiny, dependency-free HTTP service used by Slipway's examples.

The service is deliberately built on the Python standard library only so that the
container image has no third-party runtime dependencies to build, scan or patch.
"""

SERVICE_NAME = "orders-service"

__all__ = ["SERVICE_NAME"]
