"""Files of courses: storage back ends, uploads under caps and quotas, downloads authorised per request."""
