"""A larger generator of neutral factual sentences (third template family, 2026-11-29).

The first two template families (:mod:`textbranch.neutral`) use a few dozen nouns and
verbs, and a gate trained on them took unseen factual sentences with other nouns ("i posted
the letter this morning", "the film lasts two hours") for emotional ones. This family
composes sentences from larger hand-written lists of everyday nouns, places, people, verbs,
numbers and times in a dozen frames (location, quantity, schedule, possession, material,
price, errand, action in progress, description), so that the gate meets many neutral words
in neutral frames. The lists were written without consulting the held-out sentences of
:mod:`textbranch.heldout`; every held-out text is excluded from the gate's training anyway.
"""

from __future__ import annotations

import numpy as np

OBJECTS = (
    "cup", "mug", "plate", "bowl", "spoon", "fork", "knife", "pan", "pot", "lid", "jar", "bottle",
    "towel", "blanket", "pillow", "mirror", "lamp", "clock", "radio", "television", "remote control",
    "laptop", "keyboard", "mouse", "charger", "cable", "battery", "printer", "stapler", "pencil",
    "ruler", "folder", "envelope", "calendar", "map", "ladder", "bucket", "broom", "hose", "shovel",
    "drill", "screwdriver", "toolbox", "suitcase", "wallet", "key", "ticket", "receipt", "invoice",
    "magazine", "dictionary", "manual", "brochure", "poster", "rug", "curtain", "shelf", "cabinet",
    "drawer", "basket", "box", "crate", "tray", "kettle", "toaster", "fridge", "freezer", "microwave",
    "sink", "tap", "fan", "heater", "vase", "candle", "tablecloth", "coat hanger", "umbrella stand",
    "helmet", "glove", "sock", "boot", "belt", "jacket", "sweater", "tent", "torch", "compass",
)
PLACES = (
    "kitchen", "hallway", "garage", "attic", "basement", "bathroom", "bedroom", "office", "warehouse",
    "library", "station", "airport", "harbour", "market", "bakery", "pharmacy", "post office",
    "town hall", "car park", "supermarket", "hardware store", "garden centre", "petrol station",
    "train station", "bus station", "school", "college", "factory", "laboratory", "clinic",
    "dentist", "hotel", "restaurant", "canteen", "gym", "swimming pool", "museum", "gallery",
    "theatre", "stadium", "church", "village", "city centre", "suburb", "farm", "campsite",
    "reception", "storeroom", "workshop", "laundry room", "balcony", "porch", "lobby", "corridor",
)
FURNITURE = (
    "table", "desk", "chair", "sofa", "bench", "counter", "windowsill", "bookcase", "cupboard",
    "bed", "floor", "stool", "wardrobe", "dresser", "sideboard", "worktop", "trolley", "doorstep",
)
PREPS = ("on", "under", "next to", "behind", "in front of", "beside", "near", "in", "by")
PEOPLE = (
    "my aunt", "my uncle", "my cousin", "my grandfather", "my grandmother", "the postman", "the plumber",
    "the electrician", "the receptionist", "the engineer", "the pharmacist", "the librarian",
    "the mechanic", "the cashier", "the manager", "the nurse", "the student", "the farmer", "our landlord",
    "my flatmate", "the caretaker", "the courier", "the waiter", "the pilot", "the builder", "the tailor",
    "i", "we", "he", "she", "they", "you",
)
PAST_ERRANDS = (
    "posted a letter", "collected a parcel", "renewed a library card", "paid the water bill",
    "returned a jacket to the shop", "booked a taxi", "measured the kitchen", "sorted the recycling",
    "replaced the printer ink", "repaired the fence", "swept the yard", "vacuumed the stairs",
    "defrosted the freezer", "labelled the jars", "assembled a bookshelf", "installed a new tap",
    "checked the tyre pressure", "photocopied the contract", "filed the invoices",
    "rearranged the shelves", "hung the washing out", "planted some bulbs", "mowed the lawn",
    "bought a train ticket", "topped up the phone", "dropped off the dry cleaning",
    "picked up a prescription", "emailed the timetable", "scanned the documents", "wiped the table",
    "stacked the chairs", "locked the shed", "reset the router", "tuned the radio",
)
NUMBERS = (
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "a hundred", "several", "a few",
)
CLOCK = (
    "at six", "at seven thirty", "at half past nine", "at ten", "at noon", "at quarter past two",
    "at three", "at five", "at six fifteen", "at eight in the evening", "at midnight", "at eleven",
)
DAYS = ("on monday", "on tuesday", "on wednesday", "on thursday", "on friday", "on saturday",
        "on sunday", "in january", "in march", "in june", "in october", "in december", "next month")
MATERIALS = ("wood", "metal", "plastic", "glass", "steel", "aluminium", "cotton", "wool", "stone",
             "brick", "paper", "leather", "ceramic", "concrete")
UNITS = ("kilos", "metres", "centimetres", "litres", "grams", "pages", "minutes", "hours", "pounds",
         "euros", "dollars", "kilometres")
COLOURS = ("red", "blue", "green", "grey", "brown", "black", "white", "yellow", "orange", "beige")
PROGRESSIVE = (
    "sorting the mail", "checking the meter", "unloading the van", "writing a list",
    "repainting the gate", "sweeping the platform", "counting the boxes", "filling the kettle",
    "reading the timetable", "stacking the shelves", "replacing a bulb", "tidying the desk",
    "waiting at the counter", "parking the car", "copying the figures", "ironing the sheets",
    "printing the labels", "watering the hedge", "folding the maps", "testing the alarm",
)
VEHICLES = ("train", "bus", "ferry", "tram", "coach", "flight", "shuttle", "night bus")
DESTS = ("the coast", "the city", "the airport", "the next town", "the harbour", "the university",
         "the north", "the border", "the old town", "the industrial estate")


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _sentence(rng: np.random.Generator) -> str:
    f = int(rng.integers(12))
    o, o2, pl = _pick(rng, OBJECTS), _pick(rng, FURNITURE), _pick(rng, PLACES)
    n, p = _pick(rng, NUMBERS), _pick(rng, PEOPLE)
    if f == 0:
        return f"the {o} is {_pick(rng, PREPS)} the {o2}"
    if f == 1:
        return f"there are {n} {o}s in the {pl}"
    if f == 2:
        return f"the {pl} opens {_pick(rng, CLOCK)} {_pick(rng, DAYS)}"
    if f == 3:
        verb = "lives" if p not in ("i", "we", "they", "you") else "live"
        return f"{p} {verb} near the {pl}"
    if f == 4:
        return f"the {o} is made of {_pick(rng, MATERIALS)}"
    if f == 5:
        return f"the {o} costs {n} {_pick(rng, ('pounds', 'euros', 'dollars'))}"
    if f == 6:
        return f"{p} {_pick(rng, PAST_ERRANDS)} {_pick(rng, DAYS + CLOCK + ('', '', 'yesterday'))}".strip()
    if f == 7:
        be = {"i": "am", "we": "are", "they": "are", "you": "are"}.get(p, "is")
        return f"{p} {be} {_pick(rng, PROGRESSIVE)} in the {pl}"
    if f == 8:
        return f"the {_pick(rng, VEHICLES)} to {_pick(rng, DESTS)} leaves {_pick(rng, CLOCK)}"
    if f == 9:
        return f"the {o} weighs {n} {_pick(rng, ('kilos', 'grams'))}"
    if f == 10:
        verb = "has" if p not in ("i", "we", "they", "you") else "have"
        return f"{p} {verb} a {_pick(rng, COLOURS)} {o} in the {pl}"
    return f"the {pl} is {n} {_pick(rng, ('metres', 'kilometres', 'minutes'))} from the {_pick(rng, PLACES)}"


def factual_sentences(n: int, rng: np.random.Generator, exclude=()) -> list[str]:
    """``n`` distinct neutral factual sentences (fewer if the frames run out), none in ``exclude``."""
    out: list[str] = []
    seen = set(exclude)
    tries = 0
    while len(out) < n and tries < 20 * n:
        tries += 1
        s = _sentence(rng)
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out
