"""Promo codes with TTR Ambassadeur (ABT): our own proxy between the browser / the server and ABT.

``config`` reads the environment, ``client`` talks to ABT (or to the manual's external proxy), ``service``
maps ABT's answers to French ones and approves payments exactly once, ``setting`` saves the applied code in
Paramètres, ``cors`` and ``limits`` guard the public check, ``web`` holds the Flask blueprint, ``entry`` the
cloud-function handlers and ``cli`` the ``ttr promo`` commands.
"""
