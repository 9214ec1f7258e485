"""Contract double of the few parts of Saleor 3.23.28 that saleor-journey touches.

Written for our tests from a reading of Saleor's source (saleor/saleor, tag
3.23.28); no Saleor code is copied. Each module names the Saleor file it
mirrors. Only the attributes and calling conventions the plugin relies on are
reproduced; everything else is deliberately absent, so a test that needs more
of Saleor fails loudly instead of passing against an invented API.
"""
