"""Word lists for the sandbox's made-up people and businesses. Data only."""

from __future__ import annotations

FIRST_NAMES = (
    "Olivia", "Jack", "Charlotte", "Noah", "Amelia", "William", "Isla", "Oliver", "Mia",
    "Thomas", "Grace", "James", "Chloe", "Lucas", "Zoe", "Henry", "Ruby", "Ethan", "Sophie",
    "Liam", "Harper", "Leo", "Ella", "Samuel", "Matilda", "Daniel", "Priya", "Arjun", "Mei",
    "Wei", "Aisha", "Omar", "Fatima", "Hamish", "Siobhan", "Connor", "Aroha", "Tane", "Nguyen",
    "Linh", "Kofi", "Ama", "Mateo", "Lucia", "Dimitri", "Eleni", "Hiroshi", "Yuki", "Sanjay",
    "Anjali", "Patrick", "Bridget", "Rhys", "Megan", "Callum", "Isabella", "Kai", "Leilani",
)

LAST_NAMES = (
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin",
    "White", "Anderson", "Walker", "Thompson", "Kelly", "Ryan", "Harris", "Lee", "Chen",
    "Singh", "Patel", "Wang", "Kaur", "Murphy", "O'Brien", "Campbell", "Stewart", "Robinson",
    "Clarke", "Papadopoulos", "Rossi", "Russo", "Tran", "Le", "Pham", "Khan", "Ahmed", "Ali",
    "Mitchell", "Young", "King", "Wright", "Scott", "Hughes", "Edwards", "Fraser", "MacDonald",
    "Ngata", "Parata", "Okafor", "Mensah", "Garcia", "Fernandes", "Novak", "Kowalski", "Sato",
    "Tanaka", "Sharma", "Gupta", "Fitzgerald", "Byrne",
)

BUSINESS_WORDS = (
    "Harbourside", "Coastal", "Southern Cross", "Redgum", "Bluewater", "Northside", "Ironbark",
    "Summit", "Riverbend", "Wattle", "Greenfield", "Silverline", "Kookaburra", "Bayview",
    "Outback", "Sandstone", "Eastgate", "Clearwater", "Highland", "Parkside",
)

BUSINESS_KINDS = (
    "Plumbing", "Electrical", "Dental", "Logistics", "Accounting", "Realty", "Motors",
    "Veterinary Clinic", "Physio", "Solar", "Legal", "Pharmacy", "Builders", "IT Services",
    "Insurance", "Freight", "Cafe", "Landscaping", "Medical Centre", "Travel",
)

BUSINESS_SUFFIXES = ("", "", " Pty Ltd", " Co", " Group", " & Sons", " Services")

QUEUE_NAMES = (
    "Sales queue", "Support queue", "Accounts queue", "Bookings", "Technical support",
    "Customer care", "Dispatch", "Renewals", "Claims", "Returns", "Priority support",
    "Wholesale", "Service desk", "Collections", "Onboarding",
)

RING_GROUP_NAMES = (
    "Reception", "Warehouse", "After hours", "Management", "Front counter", "Workshop",
    "Field team", "Admin", "Showroom", "Night shift",
)

DEVICE_KINDS = (
    ("desk", "Yealink T54W"),
    ("softphone", "Zoiper 5"),
    ("mobile", "Mobile app"),
    ("desk2", "Polycom VVX 450"),
    ("dect", "Yealink W76P"),
)
