"""Plausible text for generated pieces: a Zipf-skewed vocabulary, titles and Markdown bodies.

Used by `manage.py generate_pieces`; every function draws from the random generator it is given.
"""

import bisect
import itertools


def _words(text):
    return text.split()


COMMON = _words("""
the of and to a in is it that was for on are with as be at this have from or by one had not
but what all were when we there can an your which their said if do will each about how up out
them then she many some so these would other into has more her two like him see time could no
make than first been its who now people my made over did down only way find use may water long
little very after words called just where most know get through back much before go good new
write our used me man too any day same right look think also around another came come work
three word must because does part even place well such here take why things help put years
different away again off went old number great tell men say small every found still between
name should home big give air line set own under read last never us left end along while might
next sound below saw something thought both few those always looked show large often together
asked house world going want school important until form food keep children feet land side
without boy once animals life enough took sometimes four head above kind began almost live page
got earth need far hand high year mother light parts country father let night following picture
being study second eyes soon times story boys since white days ever paper hard near sentence
better best across during today others however sure means knew try told young miles sun ways
thing whole hear example heard several change answer room sea against top turned learn point
city play toward five using himself usually money seen car morning given friend question family
""")

NOUNS = _words("""
habit craft language season river window letter method garden machine archive promise
memory kitchen signal pattern silence budget habitat library ritual market border engine
theory failure journey ledger meeting harvest neighbour experiment draft editor notebook
""")
ADJECTIVES = _words("""
quiet honest slow simple strange careful modern ancient small public private broken hidden
practical unexpected gentle fragile stubborn patient useful forgotten bright difficult
""")
VERBS = _words("""
build keep read write measure repair grow teach forget notice choose finish publish test
learn share fix plan question change explain remember ship survive
""")

TOPICS = {
    "Python": "python django asyncio typing package interpreter virtualenv decorator generator",
    "Databases": "postgres query index vacuum replication transaction schema migration sqlite",
    "Web": "browser html stylesheet accessibility server cache request latency javascript",
    "Security": "password encryption vulnerability patch attacker certificate audit phishing",
    "Gardening": "garden soil compost seedling tomato pruning orchard mulch greenhouse perennial",
    "Cooking": "recipe sourdough bread oven spice broth fermentation knife flour butter",
    "Travel": "train airport passport island mountain hostel itinerary border ferry luggage",
    "Climate": "carbon emissions drought flooding glacier renewable solar heatwave forest",
    "Economics": "inflation interest market wages housing rent budget inequality trade tariff",
    "Writing": "essay draft editor sentence paragraph novel manuscript deadline publisher",
    "Photography": "camera lens shutter aperture darkroom portrait exposure film negative",
    "Music": "guitar piano melody rhythm album concert chord rehearsal orchestra vinyl",
    "Parenting": "toddler bedtime school homework teenager sibling tantrum playground",
    "Health": "sleep exercise diet running injury therapy anxiety doctor vaccine",
    "Science": "experiment hypothesis telescope molecule physics chemistry genome neuron",
    "Space": "rocket orbit satellite planet astronaut comet galaxy nebula launch",
    "History": "empire archive revolution medieval treaty dynasty manuscript colonial",
    "Philosophy": "ethics stoicism meaning virtue consciousness argument freedom justice",
    "Design": "typography layout colour grid prototype interface sketch wireframe",
    "Startups": "founder investor runway pitch product customer churn revenue hiring",
    "Management": "team meeting feedback promotion roadmap delegation burnout hiring",
    "Education": "teacher classroom curriculum exam student lecture university tuition",
    "Cities": "transit bicycle zoning sidewalk housing neighbourhood tram density",
    "Books": "novel library bookshop chapter reader author memoir poetry",
    "Film": "director cinema screenplay actor festival documentary trailer editing",
    "Sports": "football marathon coach season stadium training tournament cycling",
    "Nature": "birdsong kestrel heron moss lichen meadow estuary badger fungi",
    "Productivity": "habit focus calendar inbox notebook routine procrastination",
    "Open Source": "maintainer license contributor issue repository release funding",
    "Linux": "kernel terminal shell package distribution systemd filesystem",
    "Machine Learning": "model training dataset gradient inference embedding benchmark",
    "Privacy": "tracking cookies surveillance consent metadata encryption advertising",
    "Remote Work": "office commute timezone video async loneliness coworking",
    "Mental Health": "therapy grief loneliness burnout resilience journaling",
}

FIRST_NAMES = _words("""
Ada Alan Amara Ana Aziz Bea Carmen Chen Dara Elif Emil Farah Felix Grace Hana Ines Ivan Jonas
Kai Leila Lena Luca Maya Mei Nadia Noah Omar Pia Priya Rafael Rosa Sami Sofia Tariq Tomas Yara
""")
LAST_NAMES = _words("""
Abbott Adeyemi Bauer Castillo Chowdhury Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen
Kowalski Larsen Lindqvist Mbeki Moreau Nakamura Novak Okafor Petrov Quinn Rossi Santos Silva
Tanaka Varga Weber Xu Yilmaz Zhang
""")

TITLE_PATTERNS = [
    "The {adj} {noun} of {topic}",
    "Why {topic} needs a {adj} {noun}",
    "Notes on {topic} and {topic2}",
    "What I learned about {topic} from a {noun}",
    "How to {verb} your {topic} {noun}",
    "The case for {adj} {topic}",
    "{Number} lessons from a year of {topic}",
    "On {topic}, {topic2} and the {adj} {noun}",
    "A {adj} guide to {topic}",
    "When {topic} meets {topic2}",
    "I tried to {verb} {topic} for a month",
    "Against {adj} {topic}",
]
TAIL_WORDS = 4000
SYLLABLES = _words("""
ba be bi bo bu da de di do ka ke ki ko la le li lo lu ma me mi mo na ne ni no ra re ri ro ru
sa se si so ta te ti to va ve vi vo za zel mar tin dor ven bel rin sol tam pel gor lis
""")
NUMBERS = ["Three", "Four", "Five", "Seven", "Ten", "Twelve"]
CODE_TOPICS = {"Python", "Databases", "Web", "Security", "Linux", "Open Source", "Machine Learning"}


class Zipf:
    """Pick items with a Zipf-like skew: the first items are far more common than the last."""

    def __init__(self, items, exponent=1.0):
        self.items = list(items)
        weights = [1 / (rank**exponent) for rank in range(1, len(self.items) + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]

    def sample(self, rng, count):
        total = self.cumulative[-1]
        return [
            self.items[bisect.bisect(self.cumulative, rng.random() * total)] for _ in range(count)
        ]


class PieceWriter:
    """Write the Markdown of plausible pieces; every method draws from the `rng` it is given."""

    def __init__(self, rng):
        # Everyday words first, then a long tail of made-up ones: a vocabulary of a few
        # thousand words, some in nearly every piece, most in a few.
        words = list(dict.fromkeys(COMMON + NOUNS + ADJECTIVES + VERBS))
        tail = sorted({self.made_up_word(rng) for _ in range(TAIL_WORDS)} - set(words))
        rng.shuffle(tail)
        self.words = Zipf(words + tail, exponent=1.0)
        self.topic_words = {name: words_.split() for name, words_ in TOPICS.items()}

    @staticmethod
    def made_up_word(rng):
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))

    def sentence(self, rng, topic_words, low=6, high=24, plain=False):
        words = self.words.sample(rng, rng.randint(low, high))
        for index in range(len(words)):
            roll = rng.random()
            if roll < 0.12:
                words[index] = rng.choice(topic_words)
            elif plain:
                continue
            elif roll < 0.14:
                words[index] = f"**{words[index]}**"
            elif roll < 0.16:
                words[index] = f"*{words[index]}*"
            elif roll < 0.165:
                words[index] = f"[{words[index]}](https://example.com/{rng.choice(topic_words)})"
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice(".....?!")

    def paragraph(self, rng, topic_words):
        return " ".join(self.sentence(rng, topic_words) for _ in range(rng.randint(2, 7)))

    def title(self, rng, topics):
        topic, topic2 = topics[0], (topics[1] if len(topics) > 1 else rng.choice(list(TOPICS)))
        text = rng.choice(TITLE_PATTERNS).format(
            adj=rng.choice(ADJECTIVES),
            noun=rng.choice(NOUNS + self.topic_words[topic]),
            verb=rng.choice(VERBS),
            topic=rng.choice([topic, topic.lower(), rng.choice(self.topic_words[topic])]),
            topic2=topic2.lower(),
            Number=rng.choice(NUMBERS),
        )
        return text[0].upper() + text[1:]

    def subtitle(self, rng, topics):
        return self.sentence(rng, self.topic_words[topics[0]], 6, 14, plain=True)

    def body(self, rng, topics, target_words):
        topic_words = [word for topic in topics for word in self.topic_words[topic]]
        blocks, words = [], 0
        while words < target_words:
            roll = rng.random()
            if blocks and roll < 0.12:
                block = "## " + self.sentence(rng, topic_words, 2, 6).rstrip(".?!")
            elif roll < 0.17:
                items = [self.sentence(rng, topic_words, 3, 12) for _ in range(rng.randint(3, 6))]
                block = "\n".join(f"- {item}" for item in items)
            elif roll < 0.20:
                block = "> " + self.sentence(rng, topic_words, 10, 30)
            elif roll < 0.23 and topics[0] in CODE_TOPICS:
                lines = [" ".join(rng.sample(topic_words, 3)) for _ in range(rng.randint(2, 8))]
                block = "```\n" + "\n".join(lines) + "\n```"
            else:
                block = self.paragraph(rng, topic_words)
            blocks.append(block)
            words += block.count(" ") + 1
        return "\n\n".join(blocks) + "\n"
