"""The staff report page: funnel, stage movements, flow results, reviews and delivery, as server-rendered SVG."""
