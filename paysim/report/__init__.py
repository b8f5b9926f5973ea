"""Tables, figures and reports; reads results, never runs simulations."""
