"""Open Badges 3.0 issuance: credentials, Data Integrity and VC-JWT proofs, keys, status lists,
baking and verification. A plain library: data in, data out; nothing fetched from the network.

Modules: keys, credential, jsonld (offline loader, canonicalisation, safe mode), schema,
signing (eddsa-rdfc-2022), status_list (Bitstring Status List), verify, jwt, baking, images.
"""
