"""Accounts: who may do what, kept in the state store (never in the sheet).

* ``passwords``   argon2id password hashes, keyed PIN hashes, phone numbers
* ``users``       admins and employees, their role in each workspace, login with throttling
* ``throttle``    login attempts counted before the password is checked, shared by every instance, growing delays
* ``sessions``    server-side sessions, device tokens for the PIN, the secret key
* ``invitations`` single-use invitation links (token stored only as a hash, 72 h, revocable)
* ``permissions`` per-module switches for employees from ``Paramètres``
* ``workspaces``  one account, several businesses: each its own workbook and its own state
* ``team``        the ``Équipe`` mirror tab (no secret) and settings updates, as Business actions
"""
