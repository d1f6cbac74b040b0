def register(router):
    """Add this part's viewsets to the API router (crm_site/api_urls.py)."""
