"""Demo accounts and a year of made-up events, debriefs and NCCU list; never on live data."""
