"""The Cnam accelerator: project holders' questions, triaged by Cnam staff against business-hour service
levels, answered or routed to a peer hub or the ARS."""
