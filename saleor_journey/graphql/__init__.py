"""The GraphQL API: schema, queries, mutations, limits and the view that serves it."""
