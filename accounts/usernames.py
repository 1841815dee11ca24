"""When two usernames count as the same: case, compatibility forms and look-alike letters.

"reader", "Reader", "reader" in fullwidth letters and "reader" with a Cyrillic
"e" all have the skeleton "reader", so only one of them can be taken. The skeleton is
Unicode's recipe (UTS #39) made case-insensitive: NFKC, case folding, each
look-alike letter replaced by the ASCII letter it imitates, then the ASCII
look-alikes folded together. Because "I" and "l" look alike and case does not
count, "i", "l" and "1" share one letter, as do "o" and "0", and "m" is "rn".
"""

import hashlib
import unicodedata

from accounts.confusables import LOOKALIKES

# After case folding "I" is "i", which must still meet "l" and "1".
ASCII_FOLDS = str.maketrans({"0": "o", "1": "l", "i": "l", "m": "rn"})

# The column that keeps skeletons unique; a longer skeleton (NFKC can expand a
# single character eighteen-fold) is stored as its hash.
KEY_LENGTH = 255


def username_skeleton(username: str) -> str:
    text = unicodedata.normalize("NFKC", username.strip()).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(LOOKALIKES.get(char, char) for char in text)
    return unicodedata.normalize("NFC", text.translate(ASCII_FOLDS))


def username_key(username: str) -> str:
    """The value stored in `Profile.username_key`: the skeleton, or its hash when long."""
    skeleton = username_skeleton(username)
    if len(skeleton) <= KEY_LENGTH:
        return skeleton
    return "sha256:" + hashlib.sha256(skeleton.encode()).hexdigest()


def username_taken(username: str, *, exclude_user_id: int | None = None) -> bool:
    """Whether an account already has this username or one that looks the same."""
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    profiles = Profile.objects.filter(username_key=username_key(username))
    users = get_user_model().objects.filter(username__iexact=username.strip())
    if exclude_user_id is not None:
        profiles = profiles.exclude(user_id=exclude_user_id)
        users = users.exclude(pk=exclude_user_id)
    return profiles.exists() or users.exists()
