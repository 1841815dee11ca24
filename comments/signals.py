"""What the comment services announce to the apps above them (the inbox, in
`notices`), so comments never import those apps. Sent inside the write's
transaction: what a receiver writes commits, or rolls back, with the comment."""

from django.dispatch import Signal

# A reply was saved (visible, or waiting for approval). Arguments: reply.
comment_replied = Signal()
# Top-level comments were decided, or incorporated by a fold. Arguments: comments,
# decision (a Comment.Decision value), actor (the editor).
comments_decided = Signal()
# A comment was moderated or deleted. Arguments: comment, approved (bool).
comment_changed = Signal()
