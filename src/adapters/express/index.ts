// The express adapter arrives with the inbound issue; the entry point exists so the exports map is stable.
export {}
