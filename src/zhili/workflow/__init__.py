"""The work-order workflow: the only writer of a ServiceRequest's state (see ``actions``)."""
