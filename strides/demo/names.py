"""Name lists for the invented people of the demo trust.

A mix reflecting England's school population: names are drawn from the list that fits a pupil's
recorded ethnicity, and mixed-heritage pupils draw forename and surname from different lists.
Every person in the demo is invented; any likeness to a real person is chance.
"""

from __future__ import annotations

# fmt: off
FORENAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "british": {
        "F": (
            "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
            "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily",
            "Ella", "Evelyn", "Phoebe", "Sofia", "Evie", "Charlotte", "Harper", "Millie", "Matilda",
            "Ruby", "Maisie", "Alice", "Esme", "Hallie", "Erin", "Jessica", "Lucy", "Chloe", "Holly",
            "Megan", "Bethany", "Imogen", "Harriet", "Niamh", "Paige", "Summer", "Layla", "Ellie",
            "Scarlett", "Martha", "Hannah", "Abigail", "Eleanor", "Katie", "Lacey", "Jasmine",
            "Bonnie", "Thea", "Lottie", "Mollie", "Violet",
        ),
        "M": (
            "Oliver", "George", "Arthur", "Noah", "Leo", "Oscar", "Harry", "Archie", "Jack", "Henry",
            "Charlie", "Freddie", "Theodore", "Thomas", "Finley", "Alfie", "Teddy", "Tommy", "Jacob",
            "Isaac", "Albie", "Joshua", "Alexander", "Reggie", "Lucas", "Max", "William", "James",
            "Ethan", "Samuel", "Jaxon", "Riley", "Dylan", "Daniel", "Mason", "Harrison", "Logan",
            "Toby", "Joseph", "Edward", "Callum", "Kai", "Ronnie", "Louie", "Tyler", "Jenson",
            "Ryan", "Lewis", "Connor", "Jamie", "Rory", "Ben", "Luke", "Owen", "Sonny", "Frankie",
            "Stanley", "Bobby", "Hugo", "Ellis",
        ),
    },
    "irish": {
        "F": (
            "Aoife", "Ciara", "Saoirse", "Siobhan", "Roisin", "Caoimhe", "Orla", "Grainne",
            "Clodagh", "Sinead", "Mary", "Bridget", "Kathleen", "Shannon",
        ),
        "M": (
            "Cian", "Oisin", "Padraig", "Ciaran", "Eoin", "Declan", "Sean", "Conor", "Darragh",
            "Fionn", "Michael", "Patrick", "John", "Martin",
        ),
    },
    "european": {
        "F": (
            "Zuzanna", "Julia", "Maja", "Hanna", "Lena", "Alicja", "Natalia", "Oliwia", "Ioana",
            "Andreea", "Maria", "Elena", "Gabriela", "Daria", "Viktorija", "Emilija", "Beatriz",
            "Ines", "Leonor", "Giulia", "Chiara", "Lucia", "Carmen", "Anastasia", "Yana",
            "Sofiia", "Petra", "Kateryna", "Milena", "Nikola",
        ),
        "M": (
            "Jakub", "Szymon", "Filip", "Kacper", "Antoni", "Mikolaj", "Wojciech", "Andrei",
            "Stefan", "Darius", "Matei", "Luca", "Lukas", "Dominykas", "Matas", "Joao", "Tiago",
            "Rodrigo", "Mateo", "Marco", "Alessandro", "Pablo", "Bogdan", "Maksym", "Artem",
            "Denis", "Tomas", "Milan", "Adrian", "Mihai",
        ),
    },
    "south_asian_muslim": {
        "F": (
            "Aisha", "Maryam", "Fatima", "Zainab", "Hafsa", "Inaaya", "Khadija", "Amira", "Safa",
            "Zara", "Sana", "Noor", "Ayesha", "Humaira", "Iqra", "Mahnoor", "Anaya", "Tasnim",
            "Sumaiya", "Nusrat", "Raisa", "Ruqayyah", "Hania", "Alisha", "Mariam",
        ),
        "M": (
            "Muhammad", "Mohammed", "Ibrahim", "Yusuf", "Ayaan", "Hamza", "Zayn", "Musa", "Ali",
            "Abdullah", "Hassan", "Adam", "Rayyan", "Zakariya", "Bilal", "Imran", "Arham", "Haris",
            "Rahim", "Sami", "Tahmid", "Ayan", "Idris", "Umar", "Saad",
        ),
    },
    "indian": {
        "F": (
            "Anaya", "Diya", "Priya", "Aarna", "Riya", "Kavya", "Ishani", "Meera", "Simran",
            "Harleen", "Jasleen", "Navneet", "Anika", "Saanvi", "Tara", "Nisha", "Pooja", "Amrit",
            "Kiran", "Sana",
        ),
        "M": (
            "Arjun", "Aarav", "Rohan", "Vihaan", "Dev", "Krish", "Aryan", "Ishaan", "Rahul",
            "Harjeet", "Gurpreet", "Jaspreet", "Manveer", "Sai", "Veer", "Nikhil", "Ravi", "Sunil",
            "Karan", "Ansh",
        ),
    },
    "african": {
        "F": (
            "Amara", "Chiamaka", "Adaeze", "Ifeoma", "Abena", "Esi", "Ama", "Nia", "Zawadi",
            "Fadumo", "Hodan", "Ayan", "Ruth", "Blessing", "Precious", "Favour", "Grace", "Mercy",
            "Tiwa", "Temi", "Folake", "Nana", "Kemi", "Deborah", "Esther",
        ),
        "M": (
            "Chidi", "Emeka", "Obinna", "Tobi", "Tunde", "Kwame", "Kofi", "Kwabena", "Yaw",
            "Abdi", "Mohamed", "Mahad", "Samuel", "David", "Daniel", "Joshua", "Emmanuel",
            "Praise", "Divine", "Femi", "Seun", "Olu", "Jeremiah", "Elijah", "Nathaniel",
        ),
    },
    "caribbean": {
        "F": (
            "Aaliyah", "Jada", "Shanice", "Keisha", "Tia", "Nadia", "Kiara", "Leah", "Imani",
            "Destiny", "Jasmine", "Chantelle", "Latoya", "Renee", "Monique",
        ),
        "M": (
            "Tyrese", "Jaden", "Kaden", "Marcus", "Andre", "Jermaine", "Reuben", "Isaiah",
            "Malachi", "Kieron", "Nathan", "Jerome", "Dwayne", "Tristan", "Zion",
        ),
    },
    "chinese": {
        "F": (
            "Yuxi", "Mei", "Xinyi", "Zihan", "Yutong", "Jia", "Lin", "Wing", "Hoi Yan", "Ka Yee",
            "Chloe", "Grace",
        ),
        "M": (
            "Haoran", "Yichen", "Zihao", "Junjie", "Wei", "Jun", "Ka Ho", "Chun Yin", "Tsz Hin",
            "Ethan", "Ryan", "Jason",
        ),
    },
    "middle_eastern": {
        "F": (
            "Lina", "Rana", "Yasmin", "Huda", "Nour", "Dalia", "Rozhin", "Shilan", "Maryam",
            "Hevin", "Zahra", "Darya", "Sahar", "Leyla", "Reem",
        ),
        "M": (
            "Omar", "Ahmad", "Karim", "Rami", "Yousef", "Mustafa", "Hussein", "Aram", "Rebin",
            "Ali", "Mehdi", "Hamid", "Khalid", "Faris", "Tariq",
        ),
    },
}

SURNAMES: dict[str, tuple[str, ...]] = {
    "british": (
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "Clarke", "Harrison", "Lewis", "Hughes", "Edwards", "Turner", "Hill", "Moore",
        "Cooper", "Ward", "Morris", "King", "Watson", "Baker", "Harris", "Carter", "Phillips",
        "Mitchell", "Parker", "Bennett", "Shaw", "Cook", "Richardson", "Dixon", "Armstrong",
        "Atkinson", "Fletcher", "Hodgson", "Bell", "Robson", "Charlton", "Milburn", "Heslop",
        "Dodds", "Nixon", "Pattinson", "Forster", "Fenwick", "Tait", "Pearson", "Hutchinson",
        "Lister", "Holroyd", "Ackroyd", "Sutcliffe", "Barraclough", "Crowther", "Haigh",
        "Marsden", "Whitaker", "Greenwood", "Ramsden", "Oldroyd", "Brooke", "Booth", "Kershaw",
        "Pickles", "Butterworth", "Hepworth", "Sykes", "Walton",
    ),
    "irish": (
        "Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "O'Connor", "Doyle", "McCarthy",
        "Gallagher", "Doherty", "Kennedy", "Quinn", "Reilly", "Brennan", "Flanagan", "McDonagh",
        "Ward", "Joyce", "Connors", "Maughan",
    ),
    "european": (
        "Nowak", "Kowalski", "Wisniewska", "Wojcik", "Kaminski", "Lewandowska", "Zielinski",
        "Szymanska", "Popescu", "Ionescu", "Dumitru", "Stan", "Gheorghe", "Kazlauskas",
        "Petrauskiene", "Jankauskas", "Silva", "Santos", "Ferreira", "Pereira", "Rossi", "Russo",
        "Garcia", "Martinez", "Ivanova", "Petrov", "Kovalenko", "Horvath", "Novak", "Dvorak",
        "Balogh", "Lakatos", "Stoica", "Marin",
    ),
    "south_asian_muslim": (
        "Khan", "Hussain", "Ahmed", "Ali", "Mahmood", "Iqbal", "Rashid", "Akhtar", "Shah",
        "Begum", "Rahman", "Islam", "Uddin", "Miah", "Chowdhury", "Hossain", "Bibi", "Butt",
        "Malik", "Qureshi", "Siddiqui", "Javed", "Nawaz", "Sultana", "Hoque",
    ),
    "indian": (
        "Patel", "Singh", "Kaur", "Sharma", "Gill", "Sandhu", "Sidhu", "Mistry", "Parmar",
        "Shah", "Kumar", "Lal", "Mehta", "Desai", "Joshi", "Bains", "Dhillon", "Chauhan",
        "Nair", "Pillai",
    ),
    "african": (
        "Okafor", "Okonkwo", "Adeyemi", "Balogun", "Eze", "Nwosu", "Adebayo", "Oyelaran",
        "Mensah", "Owusu", "Asante", "Boateng", "Appiah", "Osei", "Abdi", "Hassan", "Farah",
        "Warsame", "Mohamud", "Kamara", "Sesay", "Mbeki", "Mukasa", "Nkosi", "Tshabalala",
        "Ilunga", "Kabongo", "Diallo",
    ),
    "caribbean": (
        "Campbell", "Brown", "Williams", "Clarke", "Francis", "Grant", "Reid", "Thomas",
        "Henry", "Samuels", "Bailey", "Morgan", "Stewart", "Lindo", "Gayle", "Powell",
        "Richards", "Baptiste", "Walcott", "Joseph",
    ),
    "chinese": (
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Chan",
        "Wong", "Cheung", "Lau", "Ng", "Lam", "Ho", "Leung",
    ),
    "middle_eastern": (
        "Al-Hassan", "Haddad", "Khalil", "Mansour", "Saleh", "Abbas", "Karimi", "Rahimi",
        "Ahmadi", "Mohammadi", "Hosseini", "Barzani", "Mahmoud", "Yilmaz", "Demir", "Kaya",
        "Sadiq", "Nasser", "Aziz", "Hamdan",
    ),
}
# fmt: on

# Where a pupil's names come from and which languages they may speak at home, by ethnicity code:
# (forename list, surname list, chance of English as an additional language, languages).
# The EAL chances are chosen so that about a fifth of primary pupils have EAL, as nationally.
HERITAGE: dict[str, tuple[str, str, float, tuple[str, ...]]] = {
    "WBRI": ("british", "british", 0.005, ("CYM", "FRN")),
    "WIRI": ("irish", "irish", 0.01, ("GAE",)),
    "WIRT": ("irish", "irish", 0.05, ("OTB",)),
    "WROM": ("european", "european", 0.75, ("RMN", "CZE", "HGR")),
    "WOTH": ("european", "european", 0.72, ("POL", "RMN", "LIT", "POR", "BUL", "ITA", "SPA", "UKR")),
    "MWBC": ("caribbean", "british", 0.02, ("CCE",)),
    "MWBA": ("british", "african", 0.10, ("YOR", "IGB", "AKA")),
    "MWAS": ("british", "south_asian_muslim", 0.12, ("URD", "PNJ")),
    "MOTH": ("british", "european", 0.15, ("SPA", "POR", "ARA")),
    "AIND": ("indian", "indian", 0.68, ("PNJ", "GUJ", "HIN", "TAM", "MLM")),
    "APKN": ("south_asian_muslim", "south_asian_muslim", 0.80, ("URD", "PNJ")),
    "ABAN": ("south_asian_muslim", "south_asian_muslim", 0.82, ("BNG",)),
    "AOTH": ("middle_eastern", "middle_eastern", 0.70, ("PAS", "TAM", "NEP", "ARA")),
    "BCRB": ("caribbean", "caribbean", 0.01, ("CCE",)),
    "BAFR": ("african", "african", 0.52, ("YOR", "SOM", "AKA", "IGB", "FRN", "POR", "SHO", "TIG")),
    "BOTH": ("african", "caribbean", 0.20, ("FRN", "POR")),
    "CHNE": ("chinese", "chinese", 0.62, ("CHI",)),
    "OOTH": ("middle_eastern", "middle_eastern", 0.72, ("ARA", "KUR", "PHR", "TUR")),
    "REFU": ("british", "british", 0.05, ("OTB",)),
    "NOBT": ("british", "british", 0.10, ("OTB",)),
}

# Names for the invented staff, parents and governors (adults).
ADULT_FORENAMES: dict[str, tuple[str, ...]] = {
    "F": (
        "Sarah", "Rachel", "Claire", "Helen", "Joanne", "Emma", "Nicola", "Laura", "Rebecca",
        "Victoria", "Gemma", "Kirsty", "Samina", "Farzana", "Priya", "Agnieszka", "Yetunde",
        "Grace", "Siobhan", "Louise", "Catherine", "Fiona", "Angela", "Nadia", "Ruth",
    ),
    "M": (
        "David", "Paul", "Mark", "Andrew", "Richard", "Stephen", "Michael", "Christopher", "Simon",
        "Gareth", "Neil", "Imran", "Tariq", "Rajesh", "Tomasz", "Kwame", "Darren", "Craig",
        "Adam", "Matthew", "Jonathan", "Ian", "Shahid", "Peter", "Graham",
    ),
}  # fmt: skip
ADULT_SURNAMES: tuple[str, ...] = (
    *SURNAMES["british"][:50],
    *SURNAMES["irish"][:8],
    *SURNAMES["south_asian_muslim"][:10],
    *SURNAMES["indian"][:8],
    *SURNAMES["african"][:8],
    *SURNAMES["caribbean"][:6],
    *SURNAMES["european"][:6],
)

# Short forms a pupil is often known by (the preferred forename).
SHORT_FORMS: dict[str, str] = {
    "Alexander": "Alex", "Samuel": "Sam", "Joshua": "Josh", "Benjamin": "Ben", "William": "Will",
    "Thomas": "Tom", "Joseph": "Joe", "Daniel": "Dan", "Matthew": "Matt", "Jacob": "Jake",
    "Elizabeth": "Beth", "Isabella": "Bella", "Charlotte": "Lottie", "Eleanor": "Ellie",
    "Abigail": "Abbie", "Katherine": "Kate", "Jessica": "Jess", "Olivia": "Liv",
    "Muhammad": "Mo", "Mohammed": "Mo", "Theodore": "Teddy", "Frederick": "Freddie",
    "Nathaniel": "Nate", "Gabriela": "Gabi", "Alessandro": "Sandro", "Maksym": "Max",
    "Anastasia": "Nastia", "Zakariya": "Zak",
}  # fmt: skip

# Invented place-name stems for school names; joined with a suffix they sound like northern
# English places without naming a real school.
PLACE_STEMS: tuple[str, ...] = (
    "Aldermoor", "Ashbeck", "Barrowfield", "Beckside", "Birchholme", "Blackthorn", "Bramblegate",
    "Brackenridge", "Burnside", "Calderbank", "Carrow", "Castleheugh", "Cheviot View", "Cinderhill",
    "Clayfield", "Coldwell", "Coppergate", "Crossmoor", "Dalebrook", "Deepdale", "Denholme Park",
    "Dunmoor", "Eastwold", "Elmstead", "Fellside", "Fernlea", "Foxhollow", "Gatesby", "Glenfield",
    "Greystone", "Hareshaw", "Harthope", "Hawkscliffe", "Hazelrigg", "Heathercroft", "Highfell",
    "Hollinbank", "Hollybush", "Ingleby Mill", "Ironbridge Road", "Kestrel Rise", "Kirkdale",
    "Langbar", "Larkspur", "Lindenholme", "Lowmoor", "Marshfield", "Meadowcroft", "Millbeck",
    "Moorside", "Netherby", "Newfield", "Northgate", "Oakenshaw", "Oldfield Brow", "Pennine Way",
    "Pinfold", "Quarry Bank", "Ravenscar Road", "Redmire", "Ribblesdale", "Riverside Park",
    "Rookhope", "Rosedale", "Rowanfield", "Saltwell", "Sandhoe", "Scarbrook", "Shawfield",
    "Silverdale", "Skelton Moor", "Southgate", "Springwell", "Stainmore", "Stonebeck", "Sunnybrow",
    "Swallowfield", "Tanfield Lea", "Thornbury Hill", "Throckley Vale", "Tynedale", "Underhill",
    "Wansbeck", "Waterside", "Weardale", "Westfield", "Whinmoor", "Whitecliffe", "Willowbank",
    "Windyridge", "Woodhorn", "Wrenbeck", "Yarrow", "Yewdale", "Harrowgate Hill", "Cragside",
    "Lindisfarne Road", "Kielder", "Ochre Lane", "Bankfoot", "Hallgarth", "Ravensworth",
    "Greenbank", "Lavender Fields", "Sycamore", "Beechwood", "Chestnut Grove", "Maple Lane",
    "Hawthorn", "Juniper", "Heron Bay", "Otterburn Road", "Kingfisher", "Skylark", "Curlew Fold",
    "Lapwing", "Merlin", "Peregrine", "Falcon Ridge", "Badger Hill", "Fox Lane", "Harebell",
    "Bluebell", "Foxglove", "Thistle", "Heather Brae", "Cotton Mill", "Weavers", "Spinners",
    "Lamplight", "Coalbrook", "Pitheads", "Staithes Road", "Keelmen", "Lantern Hill",
)  # fmt: skip

PRIMARY_SUFFIXES = ("Primary Academy", "Primary School", "Community Primary", "Infant and Junior School")
SECONDARY_SUFFIXES = ("Academy", "High School", "School", "College")
SPECIAL_NAMES = (
    "{stem} School",
    "{stem} Specialist School",
    "The {stem} Centre for Learning",
)
AP_NAMES = ("The {stem} Centre", "{stem} Learning Centre", "{stem} Pupil Support Centre")

# Class names in primary schools: a tree or a bird per form.
PRIMARY_FORMS = ("Oak", "Ash", "Birch", "Rowan", "Willow", "Elm")
SPECIAL_CLASS_NAMES = (
    "Kingfisher", "Otter", "Heron", "Badger", "Robin", "Puffin", "Hedgehog", "Owl", "Wren",
    "Squirrel", "Dragonfly", "Starling", "Swift", "Fox", "Hare",
)  # fmt: skip
