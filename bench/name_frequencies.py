"""Realistic staff and stranger names for a large US school district, about half Hispanic.

Surname shares are the 2010 US Census surname counts (thousands of people, rounded) for the
common names, kept separately for Hispanic and for other surnames; below them a long tail of
generated, plausible surnames continues the Zipf-like curve. Given names are ranked the way
the Social Security name lists rank births of 1960–1998 (the ages of school staff) and weighted
by rank. Spanish-named staff sometimes carry two surnames or a compound given name; anyone may
have a middle initial; accents are written by some and dropped by others.

    roster_names(75_000, seed=1)   # distinct full names
    stranger_names(2_000, seed=2)  # the same population, duplicates allowed
"""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect
from functools import lru_cache
from itertools import accumulate, product

HISPANIC_SHARE = 0.5
TWO_SURNAMES = 0.3  # of Hispanic staff (often hyphenated, sometimes not)
HYPHENATED = 0.35  # of those with two surnames
COMPOUND_GIVEN = 0.15  # of Hispanic staff: José Luis, María Elena…
MIDDLE_INITIAL = 0.12
ACCENTED = 0.6  # Hispanic staff whose roster name keeps its accents
TAIL_SIZE = 1500  # generated surnames per group
TAIL_SHARE = {True: 0.22, False: 0.5}  # share of people with a tail surname (Hispanic, other)

# (surname as written, thousands of people in the 2010 Census)
HISPANIC_SURNAMES = """
García 1166 Rodríguez 1095 Martínez 1060 Hernández 1043 López 875 González 841 Pérez 682 Sánchez 613
Ramírez 557 Torres 438 Flores 434 Rivera 405 Gómez 366 Díaz 354 Reyes 331 Morales 292 Cruz 285 Ortiz 272
Gutiérrez 260 Chávez 251 Ramos 240 Ruiz 226 Álvarez 225 Mendoza 218 Castillo 204 Jiménez 203 Moreno 199
Romero 199 Herrera 198 Medina 187 Aguilar 182 Vásquez 180 Castro 171 Fernández 168 Vargas 166 Guzmán 153
Muñoz 145 Méndez 141 Salazar 140 Soto 139 Garza 139 Vázquez 138 Alvarado 136 Delgado 134 Peña 132
Contreras 131 Sandoval 129 Guerrero 123 Ríos 122 Estrada 120 Ortega 119 Núñez 115 Maldonado 115
Domínguez 113 Vega 112 Espinoza 111 Rojas 110 Márquez 109 Padilla 108 Mejía 107 Juárez 106 Luna 106
Figueroa 104 Cortez 100 Navarro 99 Campos 98 Ávila 97 Molina 97 Acosta 96 Fuentes 93 Cabrera 91
Gallegos 89 Rosales 88 Valdez 88 Cervantes 86 Salinas 86 Silva 85 Trujillo 84 Lara 83 Ibarra 83
Miranda 82 Carrillo 81 Santiago 81 Orozco 79 Valencia 78 Santos 78 Velásquez 77 Aguirre 77 Rangel 74
Pacheco 73 Robles 72 Villarreal 72 Zamora 70 Cárdenas 69 Ochoa 69 Montoya 68 Serrano 67 Solís 66
Arellano 65 Quintero 64 Bautista 64 Beltrán 63 Macías 62 Villanueva 62 Camacho 61 Escobar 60 Galván 59
Lozano 59 Cisneros 58 Vélez 57 Duarte 56 Zúñiga 56 Ponce 55 Guerra 55 Bravo 54 Rubio 53 Palacios 52
Arias 52 Benítez 51 Carrasco 50 Franco 50 Salas 50 Castañeda 50 Esparza 49 Ávalos 48 Tapia 48
Salgado 47 Osorio 46 Barrera 46 Ayala 45 Aguilera 45 Meza 45 Gallardo 45 Pineda 45 Corona 44
Valenzuela 44 Montes 43 Cordero 42 Mora 42 Nava 41 Escobedo 41 Rosas 40 Villa 40 Jaramillo 40
De la Cruz 40 De León 40 Cano 35 Cuevas 35 Bernal 35 Cantú 35 Lugo 35 Murillo 35 Quintana 35 Trejo 35
Vera 35 Villalobos 35 Villegas 35 Zapata 35 Olvera 30 Nieto 30 Zavala 30 Tovar 30 Saucedo 30 Quiroz 30
Enríquez 30 Hidalgo 30 Montero 30 Valle 30 Godínez 25 Ybarra 25 Medrano 25 Soriano 25 Fajardo 25
Granados 25 Montalvo 25 Ocampo 25 Rico 25 Uribe 25 Del Río 20 Luján 20 Moya 20 Navarrete 20 Rincón 20
Sepúlveda 20 Toledo 20 Roldán 15 Saavedra 15 Barajas 30 Becerra 30 Calderón 40 Chacón 25 Dávila 30
Espinosa 45 Fierro 20 Gamboa 25 Hurtado 25 Leyva 25 Lucero 30 Magaña 25 Mata 25 Mercado 45 Ojeda 20
Paredes 30 Pizarro 15 Quiñones 30 Reyna 30 Rivas 40 Sierra 30 Tejeda 15 Urbina 15 Vallejo 25 Yáñez 20
"""

OTHER_SURNAMES = """
Smith 2443 Johnson 1933 Williams 1625 Brown 1437 Jones 1425 Miller 1161 Davis 1116 Wilson 802
Anderson 784 Thomas 756 Taylor 751 Moore 724 Jackson 708 Martin 703 Lee 693 Thompson 665 White 660
Harris 624 Clark 563 Lewis 532 Robinson 530 Walker 523 Young 484 Allen 483 King 465 Wright 459 Scott 440
Nguyen 438 Hill 435 Green 430 Adams 428 Nelson 425 Baker 420 Hall 407 Campbell 397 Mitchell 395
Carter 386 Roberts 380 Phillips 364 Evans 342 Turner 340 Parker 325 Collins 318 Edwards 318 Stewart 313
Morris 311 Murphy 308 Cook 303 Rogers 302 Morgan 276 Peterson 275 Cooper 271 Reed 270 Bailey 266
Bell 264 Kelly 260 Howard 254 Cox 247 Ward 245 Richardson 242 Watson 239 Brooks 239 Wood 236 James 234
Bennett 231 Gray 230 Hughes 226 Price 225 Sanders 224 Myers 222 Long 220 Ross 219 Foster 217 Kim 200
Powell 207 Jenkins 207 Perry 206 Russell 205 Sullivan 201 Butler 199 Barnes 197 Fisher 196
Henderson 196 Coleman 195 Simmons 193 Patterson 192 Jordan 190 Reynolds 188 Hamilton 185 Graham 184
Wallace 181 West 180 Cole 178 Hayes 176 Bryant 175 Ellis 173 Stevens 172 Murray 172 Ford 171
Marshall 171 Owens 170 McDonald 169 Harrison 168 Gibson 167 Kennedy 165 Wells 165 Griffin 164
Washington 164 Fox 163 Rose 162 Stone 161 Hunt 160 Black 159 Palmer 158 Mills 157 Shaw 156 Holmes 155
Rice 154 Robertson 153 Hunter 152 Tran 150 Freeman 150 Wagner 149 Warren 148 Dixon 147 Burns 146
Gordon 146 Crawford 145 Hart 142 Hoffman 141 Porter 141 Knight 140 Patel 138 Chen 138 Tucker 138
Webb 137 Olson 137 Arnold 136 Henry 136 Carroll 135 Duncan 134 Snyder 133 Lane 132 Andrews 132
Wang 120 Le 100 Li 100 Park 100 Singh 100 Pham 90 Zhang 90 Liu 80 Wu 80 Yang 80 Huang 70 Choi 60
Shah 60 Lam 60 Huynh 50 Vu 50 Ng 40 Truong 40 Nakamura 15 Tanaka 15 Yamamoto 15 O'Brien 120
O'Connor 80 McCarthy 90 Schmidt 110 Schultz 80 Meyer 110 Weber 70 Becker 70 Klein 60 Berg 40
Larson 110 Hansen 100 Jensen 70 Nielsen 40 Christensen 60 Johansson 10 Lindquist 10 Novak 30
Kowalski 30 Rossi 30 Russo 50 Romano 30 Ricci 20 Costa 30 Cohen 100 Levy 40 Friedman 50 Goldberg 40
Ali 70 Khan 80 Ahmed 60 Hassan 30 Ibrahim 20 Brennan 50 Doyle 80 Fitzgerald 70 Gallagher 60 Quinn 60
Walsh 90 Burke 90 Byrne 30 Dunn 90 Hayden 30 Lynch 80 Moran 50 Nolan 40 Regan 20 Riley 100
"""

# Given names, most common first (SSA rankings of 1960–1998 births, merged by hand).
OTHER_FEMALE = """Jennifer Jessica Sarah Amanda Ashley Elizabeth Melissa Michelle Lisa Kimberly Amy Angela Emily
Stephanie Nicole Heather Rebecca Laura Mary Karen Patricia Susan Linda Christina Rachel Megan Lauren Katherine
Julie Kelly Andrea Erin Samantha Christine Tiffany Shannon Brittany Danielle Kristen Rebekah Anna Sara Allison
Courtney Hannah Kathleen Catherine Margaret Deborah Cynthia Donna Tracy Dawn Tina Wendy Diane Pamela Carol
Nancy Barbara Sandra Denise Theresa Victoria Natalie Kristin Alicia Holly Erica Crystal Heidi Monica Jamie
Lindsay Meghan Kate Caitlin Molly Abigail Madison Olivia Grace Jasmine Alexis Morgan Chelsea Amber Vanessa
Beth Anne Jill Robin Kathryn April Leah Joanna Rose Janet Ruth Carolyn Gloria Joyce Shirley Helen Dorothy
Jacqueline Kristina Valerie Tara Brenda Sharon Sheila Regina Joy Erika Renee Colleen Caroline Jenna Jillian
Bethany Kayla Taylor Alyssa Haley Kaitlyn Brianna Sydney Whitney Lindsey Candice Tamara Naomi Jane Claire
Mei Linh Thu Hoa Lan Priya Anjali Min Ji Yuna Aisha Fatima"""
OTHER_MALE = """Michael David James John Robert Christopher Daniel Matthew Joseph William Brian Kevin Steven Jason
Mark Eric Thomas Richard Andrew Jeffrey Ryan Scott Timothy Anthony Paul Joshua Jonathan Kenneth Gregory Justin
Stephen Charles Patrick Brandon Benjamin Nicholas Adam Aaron Jeremy Nathan Sean Tyler Kyle Zachary Jacob Samuel
Dennis Peter Gary Donald Douglas Todd Keith Travis Bradley Shawn Chad Derek Dustin Craig Troy Shane Edward
Larry Frank Raymond Gerald Jerry Randy Russell Philip Bruce Alan Wayne Roger Terry Carl Henry Walter Arthur
Lawrence Jack Alexander Ethan Noah Logan Dylan Austin Jordan Cody Evan Ian Luke Gabriel Jared Marcus Wesley
Vincent Curtis Joel Trevor Spencer Brett Colin Grant Neil Caleb Isaac Seth Blake Garrett Marc Martin Jay
Phillip Dale Glenn Stanley Harold Leonard Howard Eugene Fred Ralph Russell Bobby Johnny Billy Jimmy Tommy
Minh Tuan Hung Duc Raj Amit Vikram Jun Hyun Min-jun Omar Ahmed Hassan"""
SPANISH_FEMALE = """María Guadalupe Rosa Ana Verónica Claudia Patricia Elizabeth Adriana Leticia Gabriela Alejandra
Laura
Silvia Martha Yolanda Araceli Norma Sandra Maribel Cristina Lucía Isabel Teresa Carmen Margarita Elena Diana
Mónica Erika Lorena Blanca Irma Rocío Marisol Sofía Andrea Daniela Fernanda Jessica Karla Jazmín Yesenia
Liliana Angélica Beatriz Gloria Alicia Esperanza Graciela Josefina Dolores Juana Leticia Luz Marisela Nancy
Olga Paola Raquel Rebeca Susana Virginia Xóchitl Ximena Valeria Mariana Natalia Paulina Brenda Vanessa
Yadira Estela Consuelo Catalina Cecilia Lourdes Inés Pilar Ángela Mercedes Rosario Concepción Esmeralda
Marisa Lidia Aurora Celia Gisela Irene Julia Noemí Marta Ofelia Reyna Silvia Viviana Zulema Alma Anabel"""
SPANISH_MALE = """José Juan Luis Carlos Jesús Francisco Miguel Antonio Jorge Manuel Alejandro Ricardo Javier
Roberto Fernando Eduardo Pedro Mario Rafael Sergio Raúl Arturo Daniel David Óscar Héctor Armando Guillermo
Víctor Enrique Rubén Gerardo Alberto Ramón Salvador Alfredo Jaime Ernesto Martín Andrés Gustavo Hugo Ignacio
Rodolfo Adrián Julio César Diego Gabriel Joaquín Tomás Emilio Ángel Israel Marco Octavio Leonardo Rogelio
Alfonso Abel Agustín Alonso Benjamín Efraín Esteban Felipe Gilberto Gonzalo Humberto Isidro Jaime Lorenzo
Mauricio Moisés Nicolás Pablo Rigoberto Santiago Saúl Sebastián Valentín Vicente Xavier Ulises Cristian
Fabián Germán Iván Lázaro Marcos Noé Ramiro Reynaldo Samuel Teodoro"""
SPANISH_COMPOUND_FEMALE = """María Guadalupe|María Elena|Ana María|María del Carmen|María José|María Teresa|
María Isabel|María de los Ángeles|Ana Sofía|María Fernanda|María Luisa|Rosa María|María Cristina|Luz María"""
SPANISH_COMPOUND_MALE = """José Luis|Juan Carlos|José Antonio|Juan Manuel|Miguel Ángel|Luis Alberto|
José Manuel|Juan José|José Alberto|Luis Fernando|Jorge Luis|Juan Pablo|José Guadalupe|Francisco Javier"""

_EN_HEADS = """Ash Black Brad Bur Cal Carl Chad Dal Eller Fair Farn Gar Hal Hart Hol Kings Lang Mar Mel Nor
Pen Ram Red Ros Shel Stan Stock Thorn Wal War Wes Whit Win Wood Al Bar Brom Dun Fen Good Grim Hadd Kirk
Lind Mort Pem Rad Sut Wick""".split()
_EN_TAILS = "ton ley field ford well wood by ham more worth man son ridge er ell ett ing stead bury".split()
_ES_HEADS = """Al Bar Bel Cas Cor Es Gal Lar Mal Mar Mon Nav Or Pal Qui Sal San Tor Val Ver Vil Zar Ar Bal Cal
Ber Cid Dur Fer Gar Ler Mir Ol Pra Ren Sar Tal Ur""".split()
_ES_MIDS = "d l r rr t v nd ll c b g".split()
_ES_ENDS = "ez ano ero ado ino ares illo ón eda uela iz ega ejo ales ante ura".split()


def roster_names(n: int, seed: int, middle_initial: float = MIDDLE_INITIAL) -> list[str]:
    """``n`` distinct staff names (n up to 75,000 or so), deterministic for the seed."""
    rng = random.Random(f"roster:{seed}")
    out: dict[str, None] = {}
    while len(out) < n:
        name = _draw(rng, middle_initial)
        out.setdefault(name, None)
    return list(out)


def stranger_names(n: int, seed: int, middle_initial: float = MIDDLE_INITIAL) -> list[str]:
    """``n`` names of people who are not staff, from the same population (duplicates allowed)."""
    rng = random.Random(f"stranger:{seed}")
    return [_draw(rng, middle_initial) for _ in range(n)]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _draw(rng: random.Random, middle_initial: float) -> str:
    hispanic = rng.random() < HISPANIC_SHARE
    given = _given(rng, hispanic)
    surname = _surname(rng, hispanic)
    if hispanic and rng.random() < TWO_SURNAMES:
        second = _surname(rng, True)
        if second != surname:
            surname += ("-" if rng.random() < HYPHENATED else " ") + second
    middle = f" {chr(rng.randrange(26) + 65)}." if rng.random() < middle_initial else ""
    name = f"{given}{middle} {surname}"
    return name if not hispanic or rng.random() < ACCENTED else strip_accents(name)


def _given(rng: random.Random, hispanic: bool) -> str:
    female = rng.random() < 0.7  # school staff are mostly women
    if hispanic and rng.random() < COMPOUND_GIVEN:
        return _pick(rng, _compound_table(female))
    if hispanic and rng.random() < 0.15:  # an English given name with a Spanish surname
        hispanic = False
    return _pick(rng, _given_table(hispanic, female))


def _surname(rng: random.Random, hispanic: bool) -> str:
    if rng.random() < TAIL_SHARE[hispanic]:
        return _pick(rng, _tail_table(hispanic))
    return _pick(rng, _surname_table(hispanic))


def _pick(rng: random.Random, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
    names, cumulative = table
    return names[bisect(cumulative, rng.random() * cumulative[-1])]


def _zipf(names: list[str], exponent: float = 1.0, offset: float = 3.0) -> tuple[tuple[str, ...], tuple[float, ...]]:
    weights = [1 / (rank + offset) ** exponent for rank in range(len(names))]
    return tuple(names), tuple(accumulate(weights))


@lru_cache(maxsize=4)
def _given_table(hispanic: bool, female: bool) -> tuple[tuple[str, ...], tuple[float, ...]]:
    text = {(True, True): SPANISH_FEMALE, (True, False): SPANISH_MALE}.get((hispanic, female))
    text = text or (OTHER_FEMALE if female else OTHER_MALE)
    return _zipf(list(dict.fromkeys(text.split())), exponent=0.9)


@lru_cache(maxsize=2)
def _compound_table(female: bool) -> tuple[tuple[str, ...], tuple[float, ...]]:
    text = SPANISH_COMPOUND_FEMALE if female else SPANISH_COMPOUND_MALE
    return _zipf([part.strip() for part in text.split("|") if part.strip()])


@lru_cache(maxsize=2)
def _surname_table(hispanic: bool) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return _counts(HISPANIC_SURNAMES if hispanic else OTHER_SURNAMES)


def _counts(text: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """ "De la Cruz 40 Smith 2443" → names and cumulative counts (a name may have several words)."""
    names: list[str] = []
    counts: list[float] = []
    words: list[str] = []
    for token in text.split():
        if token.isdigit():
            names.append(" ".join(words))
            counts.append(float(token))
            words = []
        else:
            words.append(token)
    return tuple(names), tuple(accumulate(counts))


@lru_cache(maxsize=2)
def _tail_table(hispanic: bool) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Generated surnames below the listed ones, Zipf-weighted in a fixed shuffled order."""
    known = {strip_accents(n).lower() for n in _surname_table(True)[0] + _surname_table(False)[0]}
    if hispanic:
        made = [h + m + e for h, m, e in product(_ES_HEADS, _ES_MIDS, _ES_ENDS)]
        made = [w for w in made if not re.search(r"([^lr])\1|(.)\2\2", w.lower())]
    else:
        made = [h + t.lower() for h, t in product(_EN_HEADS, _EN_TAILS)]
    made = sorted({w for w in made if strip_accents(w).lower() not in known})
    random.Random(f"tail:{hispanic}").shuffle(made)
    return _zipf(made[:TAIL_SIZE], exponent=0.8, offset=50)
